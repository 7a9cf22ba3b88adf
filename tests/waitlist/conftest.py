"""Fixtures shared by the waitlist tests."""

import datetime as dt

import pytest

from tests.bookings.clinic import qualify
from tests.factories import TherapistFactory, WorkingHoursFactory
from therapists.models import CredentialKind


def _therapist(slug: str, end: dt.time):
    therapist = TherapistFactory(slug=slug, buffer_minutes=15)
    qualify(therapist, CredentialKind.BAR_CERTIFICATION)
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday, start=dt.time(10), end=end)
    return therapist


@pytest.fixture
def solo(clinic):
    """A therapist with room for exactly one session a day: 10:00-11:00 plus the buffer."""
    return _therapist("solo", dt.time(11, 15))


@pytest.fixture
def pair(clinic):
    """A therapist with two overlapping starts a day, 10:00 and 10:15 (one session fits)."""
    return _therapist("pair", dt.time(11, 30))
