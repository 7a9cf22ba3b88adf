"""Issue #13: a signed-in client with a clearance on record books through the pages and
skips review; signed out, the same typed address is held for review (health/clearances.py)."""

import pytest

from bookings.models import Appointment, AppointmentStatus
from tests.accounts.test_views import sign_in_as
from tests.bookings.clinic import build_clinic, local_time
from tests.bookings.test_booking_pages import flow_urls, form_answers
from tests.factories import AppointmentFactory, ClearanceFactory, ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_with_a_clearance():
    """Ada booked once before (so a sign-in link can be sent) and has a clearance on file
    for her disc condition, light pressure only."""
    build_clinic()
    record = ClientFactory(name="Ada Lovelace", email="ada@example.com")
    AppointmentFactory(client=record, start=local_time(-30, 10), status="completed")
    ClearanceFactory(client=record, conditions=["disc_condition"], scope="light_pressure")
    return record


def book_through_the_pages(web, run, contact=None):
    urls = flow_urls()
    web.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
    answers = form_answers(disc_condition=True, pressure="deep")
    assert web.post(urls["intake"], answers).status_code == 302
    initial = web.get(urls["contact"]).context["form"].initial
    assert web.post(urls["contact"], contact or initial).status_code == 302
    assert run(web.post, urls["review"]).status_code == 302
    return Appointment.objects.latest("created_at")


def test_signed_in_a_clearance_on_record_confirms_the_booking_at_light_pressure(
    client, ada_with_a_clearance, run_after_commit
):
    sign_in_as(client, ada_with_a_clearance.email, run_after_commit)
    booked = book_through_the_pages(client, run_after_commit)
    assert booked.client == ada_with_a_clearance
    assert booked.status == AppointmentStatus.CONFIRMED
    assert booked.intake.effective_pressure == "light"
    assert (
        booked.events.get(kind="created").details["clearance"]
        == ada_with_a_clearance.clearances.get().pk
    )


def test_signed_out_the_same_address_typed_is_held_for_review(
    client, ada_with_a_clearance, run_after_commit
):
    contact = {
        "name": "Ada Lovelace",
        "email": ada_with_a_clearance.email,
        "phone": ada_with_a_clearance.phone,
    }
    booked = book_through_the_pages(client, run_after_commit, contact)
    assert booked.client != ada_with_a_clearance
    assert booked.status == AppointmentStatus.PENDING_REVIEW
