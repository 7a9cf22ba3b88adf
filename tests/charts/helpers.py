"""Shared set-up for the chart tests: sessions that have started, signed notes, roles."""

import datetime as dt

from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from health.screening import clear_answers
from tests.factories import (
    AppointmentFactory,
    ChartNoteFactory,
    ClientFactory,
    IntakeFactory,
    RegionEntryFactory,
)

SOAP = {
    "subjective": "Sore lower back after gardening.",
    "objective": "Guarding on the left lower back.",
    "assessment": "Eased with light bar work.",
    "plan": "Light pressure, avoid the neck, more glute work.",
    "pressure_used": "light",
}


def session(therapist, *, hours_ago: float = 1, client=None, **answers) -> Appointment:
    """A session of `therapist` that started `hours_ago` (negative: in the future)."""
    start = (timezone.now() - dt.timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    return AppointmentFactory(
        therapist=therapist,
        start=start,
        client=client or ClientFactory(),
        intake=IntakeFactory(answers=clear_answers(**answers)),
        status=AppointmentStatus.CONFIRMED,
    )


def signed_note(appointment, *, hours_ago: float = 1, regions=(), **fields):
    """A note signed `hours_ago`, written directly (the service signs only "now"): entries
    first, then the signature, as the database allows."""
    note = ChartNoteFactory(appointment=appointment, **fields)
    for region, technique, pressure, response in regions:
        RegionEntryFactory(
            note=note, region=region, technique=technique, pressure=pressure,
            client_response=response,
        )  # fmt: skip
    note.signed_at = timezone.now() - dt.timedelta(hours=hours_ago)
    note.signed_by = appointment.therapist.user
    note.save(update_fields=["signed_at", "signed_by"])
    return note
