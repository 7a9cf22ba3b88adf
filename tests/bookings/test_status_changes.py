"""One rule for status changes (`allowed_status_changes`): what the admin's buttons and the
portal's form offer is exactly what `appointment_set_status` accepts."""

import datetime as dt

import pytest

from bookings.models import AppointmentStatus
from bookings.services import BookingError
from bookings.session_status import allowed_status_changes, appointment_set_status
from health.models import IntakeOutcome
from health.screening import light_pressure_only
from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECKED_IN, COMPLETED, NO_SHOW = (
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
)


@pytest.mark.parametrize(
    ("status", "starts_in", "expected"),
    [
        (AppointmentStatus.CONFIRMED, dt.timedelta(days=2), []),
        (AppointmentStatus.CONFIRMED, dt.timedelta(minutes=30), [CHECKED_IN]),
        (AppointmentStatus.CONFIRMED, -dt.timedelta(minutes=5), [CHECKED_IN, COMPLETED, NO_SHOW]),
        (AppointmentStatus.CHECKED_IN, -dt.timedelta(minutes=5), [COMPLETED, NO_SHOW]),
        (AppointmentStatus.COMPLETED, -dt.timedelta(hours=2), []),
        (AppointmentStatus.PENDING_REVIEW, -dt.timedelta(minutes=5), []),
    ],
)
def test_what_is_offered_is_exactly_what_the_service_accepts(status, starts_in, expected):
    now = dt.datetime(2026, 6, 10, 14, 0, tzinfo=dt.UTC)
    appointment = AppointmentFactory(status=status, start=now + starts_in)
    assert allowed_status_changes(appointment=appointment, now=now) == expected
    actor = UserFactory(is_staff=True)
    for candidate in (CHECKED_IN, COMPLETED, NO_SHOW):
        appointment.refresh_from_db()
        if candidate in expected:
            appointment_set_status(appointment=appointment, status=candidate, actor=actor, now=now)
            type(appointment).objects.filter(pk=appointment.pk).update(status=status)
        else:
            with pytest.raises(BookingError):
                appointment_set_status(
                    appointment=appointment, status=candidate, actor=actor, now=now
                )


def test_among_limits_the_offer_to_what_a_role_may_set():
    now = dt.datetime(2026, 6, 10, 14, 0, tzinfo=dt.UTC)
    appointment = AppointmentFactory(start=now - dt.timedelta(minutes=5))
    assert allowed_status_changes(appointment=appointment, now=now, among=[COMPLETED]) == [
        COMPLETED
    ]


@pytest.mark.parametrize(
    ("pressure", "outcome", "expected"),
    [
        ("light", IntakeOutcome.LIGHT_PRESSURE, True),
        ("light", IntakeOutcome.NEEDS_CLEARANCE, True),
        ("light", IntakeOutcome.CLEAR, False),  # the client's own wish, not a restriction
        ("medium", IntakeOutcome.NEEDS_CLEARANCE, False),
    ],
)
def test_light_pressure_only_means_a_rule_capped_the_pressure(pressure, outcome, expected):
    assert light_pressure_only(effective_pressure=pressure, outcome=outcome) is expected
    intake = AppointmentFactory(intake__effective_pressure=pressure, intake__outcome=outcome).intake
    assert intake.light_pressure_only is expected
    assert ("Light pressure only" in intake.flags) is expected
