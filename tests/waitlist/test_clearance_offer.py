"""A waitlist offer taken by a signed-in client follows the booking's clearance rule
(`clearances.session_restriction`): a clearance on their verified record spares the review
and its scope ("light pressure only") binds the session."""

import pytest
from django.utils import timezone

from accounts.session import SESSION_KEY
from bookings.models import Appointment, AppointmentStatus
from clients.models import Client
from tests.factories import ClearanceFactory, ClientFactory
from tests.waitlist.test_waitlist import ADA, join, offer_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified():
    return ClientFactory(
        name=ADA.name,
        email=ADA.email,
        confirmed_at=timezone.now(),
        confirmed_by=Client.ConfirmedBy.EMAIL_LINK,
    )


def signed_in(web, record) -> None:
    session = web.session
    session[SESSION_KEY] = {"id": record.pk, "email": record.email.lower()}
    session.save()


def take_offer(web, clinic, therapist, run):
    join(run, clinic, therapist, ADA, disc_condition=True, pressure="deep")
    response = run(web.post, offer_link(ADA.email))
    assert response.status_code == 302
    return Appointment.objects.get()


def test_signed_in_with_a_light_clearance_the_offer_books_at_light_pressure(
    client, clinic, pair, run_after_commit, verified
):
    on_file = ClearanceFactory(client=verified, scope="light_pressure")
    signed_in(client, verified)
    booked = take_offer(client, clinic, pair, run_after_commit)
    assert booked.client == verified
    assert booked.status == AppointmentStatus.CONFIRMED
    assert booked.intake.effective_pressure == "light"
    assert booked.events.get(kind="created").details["clearance"] == on_file.pk


def test_signed_out_the_offer_is_held_for_review(client, clinic, pair, run_after_commit, verified):
    ClearanceFactory(client=verified, scope="light_pressure")
    booked = take_offer(client, clinic, pair, run_after_commit)
    assert booked.client != verified
    assert booked.status == AppointmentStatus.PENDING_REVIEW
