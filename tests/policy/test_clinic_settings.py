"""The clinic-settings page: clinic managers change the client cut-off without a developer;
the change is logged, applies at once to what the manage page promises and what the booking
services enforce, and the front desk and therapists cannot reach it."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.services import (
    TOO_LATE_TO_CHANGE,
    BookingError,
    booking_cancel,
)
from policy import rules
from policy.models import ClinicPolicy
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/policy/clinicpolicy/"
ROW = "/admin/policy/clinicpolicy/1/change/"


def _save_cutoff(client, hours: int):
    return client.post(ROW, {"client_change_cutoff_hours": str(hours)})


def test_until_a_manager_saves_the_environment_is_the_rule(settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 36
    assert rules.client_change_cutoff_hours() == 36
    assert not ClinicPolicy.objects.exists()


def test_a_manager_opens_the_one_row_starting_from_the_environment(client, manager, settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 30
    client.force_login(manager)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == ROW
    page = client.get(ROW)
    assert page.status_code == 200
    assert ClinicPolicy.objects.get().client_change_cutoff_hours == 30
    assert client.get("/admin/policy/clinicpolicy/add/").status_code == 403
    assert client.post("/admin/policy/clinicpolicy/1/delete/").status_code == 403


def test_every_change_is_logged_with_who_and_when(client, manager):
    client.force_login(manager)
    client.get(PAGE)
    assert _save_cutoff(client, 48).status_code == 302
    (entry,) = LogEntry.objects.filter(object_id="1", content_type__app_label="policy")
    assert entry.user == manager and entry.is_change()
    assert "cut-off" in entry.get_change_message()
    policy = ClinicPolicy.objects.get()
    assert policy.updated_by == manager and policy.client_change_cutoff_hours == 48


@pytest.mark.parametrize("who", ["desk", "therapist", "no_role"])
def test_the_front_desk_and_therapists_cannot_reach_it(client, people, who):
    client.force_login(people[who])
    response = client.get(PAGE)
    if who == "therapist":  # not staff: the admin's login page
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert not ClinicPolicy.objects.exists()
    assert _save_cutoff(client, 1).status_code in (302, 403)
    assert not ClinicPolicy.objects.exists()


def test_a_cut_off_beyond_a_week_is_refused_with_the_reason(client, manager):
    client.force_login(manager)
    client.get(PAGE)
    response = _save_cutoff(client, 500)
    assert response.status_code == 200  # the form again, with its error
    assert "less than or equal to 168" in response.content.decode()
    assert ClinicPolicy.objects.get().client_change_cutoff_hours == 24


def test_changing_the_cut_off_changes_the_promise_and_the_enforcement(client, manager):
    """A booking 30 hours away: under 24 h the manage page promises changes until 6 hours
    from now and the client may cancel; once the manager sets 48 h, the page says changes
    are over online (48 hours) and the service refuses the client."""
    start = (timezone.now() + dt.timedelta(hours=30)).replace(second=0, microsecond=0)
    appointment = AppointmentFactory(start=start)
    manage = reverse("bookings:manage", args=[appointment.reference, "factory-token"])
    before = client.get(manage).content.decode()
    assert "You can move or cancel this booking until" in before
    assert appointment.client_can_change(timezone.now())

    staff = Client()
    staff.force_login(manager)
    staff.get(PAGE)
    assert _save_cutoff(staff, 48).status_code == 302

    after = client.get(manage).content.decode()
    assert "You can move or cancel this booking until" not in after
    assert "until 48 hours before they start" in after
    with pytest.raises(BookingError) as refused:
        booking_cancel(appointment=appointment)
    assert refused.value.code == TOO_LATE_TO_CHANGE
    assert "until 48 hours before the start" in refused.value.message
    appointment.refresh_from_db()
    assert appointment.is_changeable  # the booking itself stands; staff may still change it


def test_the_cut_off_is_read_fresh_on_every_call():
    ClinicPolicy(client_change_cutoff_hours=12).save()
    assert rules.client_change_cutoff_hours() == 12
    ClinicPolicy.objects.filter(pk=1).update(client_change_cutoff_hours=6)
    assert rules.client_change_cutoff_hours() == 6
    assert timezone.now()  # no cache to expire: a change applies on the next request
