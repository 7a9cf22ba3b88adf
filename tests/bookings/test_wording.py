"""Messages to clients follow the settings they describe (no hard-coded "24 hours")."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import availability, wording
from bookings.booking_changes import booking_cancel
from bookings.services import TOO_LATE_TO_CHANGE, BookingError, ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def test_phrases_are_built_from_the_settings(settings):
    assert (wording.change_cutoff(), wording.grid_phrase()) == ("24 hours", "on the quarter hour")
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 1
    settings.BOOKING_SLOT_GRID_MINUTES = 20
    assert (wording.change_cutoff(), wording.grid_phrase()) == ("1 hour", "every 20 minutes")
    assert availability.reason_message(
        availability.NOT_ON_GRID, grid_phrase="on the half hour"
    ).startswith("Sessions start on the half hour.")


def test_the_cut_off_refusal_and_the_pages_say_the_configured_hours(client, clinic, settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 72
    result = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(2, 10),
        client=ADA,
        answers=clear_answers(),
    )
    page = client.get(
        reverse("bookings:manage", args=[result.appointment.reference, result.manage_token])
    )
    assert "72 hours" in page.content.decode() and "24 hours" not in page.content.decode()
    with pytest.raises(BookingError) as refused:
        booking_cancel(appointment=result.appointment, now=timezone.now() + dt.timedelta(hours=1))
    assert refused.value.code == TOO_LATE_TO_CHANGE
    assert "until 72 hours before the start" in refused.value.message
