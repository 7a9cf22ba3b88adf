"""Who may read a client's full health answers, and the log of every read.

Intake answers are health data. Only staff with the `bookings.view_full_intake` permission
(the clinic manager) and the appointment's own therapist may read them; every read goes
through `read_intake_answers`, which writes an `IntakeAccess` row first. Everyone else sees at
most the outcome and flags (`Intake.flags`).
"""

from typing import Any

from django.core.exceptions import PermissionDenied

from bookings.models import Appointment, IntakeAccess


def may_read_full_intake(user, appointment: Appointment) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm("bookings.view_full_intake"):
        return True
    therapist = getattr(user, "therapist", None)
    return therapist is not None and therapist.pk == appointment.therapist_id


def read_intake_answers(*, appointment: Appointment, user, where: str) -> dict[str, Any]:
    """The full answers of the appointment's intake, logged; PermissionDenied otherwise."""
    if not may_read_full_intake(user, appointment):
        raise PermissionDenied("You may not read this client's health answers.")
    IntakeAccess.objects.create(intake_id=appointment.intake_id, user=user, where=where[:100])
    return dict(appointment.intake.answers)
