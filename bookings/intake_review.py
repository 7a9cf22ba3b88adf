"""Clinical review of a booking held because its intake needs clearance: approve (only with
a clearance on record that covers the session) or decline (cancelled, the slot freed).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bookings import clearances, notifications, reminders, signals
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.services import (
    CLEARANCE_MISSING,
    NOT_CHANGEABLE,
    BookingError,
    _announce_cancelled,
    _record,
)
from bookings.session_status import _apply_scope


def _review(appointment: Appointment, actor, *, approve: bool, note: str) -> Appointment:
    with transaction.atomic(durable=True):
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != AppointmentStatus.PENDING_REVIEW:
            raise BookingError("This booking is not waiting for review.", code=NOT_CHANGEABLE)
        cleared = {}
        if approve:
            if refusal := clearances.approval_refusal(appointment):
                raise BookingError(refusal, code=CLEARANCE_MISSING)
            clearance = clearances.approving_clearance(appointment)
            _apply_scope(appointment, clearance)
            cleared = {"clearance": clearance.pk}
        appointment.status = AppointmentStatus.CONFIRMED if approve else AppointmentStatus.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.STATUS if approve else AppointmentEvent.Kind.CANCELLED,
            actor,
            old=AppointmentStatus.PENDING_REVIEW,
            new=appointment.status,
            review="approved" if approve else "declined",
            note=note[:1000],
            **cleared,
        )
        notifications.queue_appointment_email(
            appointment, notifications.APPROVED if approve else notifications.REVIEW_DECLINED
        )
        if not approve:
            notifications.queue_therapist_email(appointment, notifications.THERAPIST_CANCELLED)
            reminders.reminder_cancel(appointment=appointment)
            signals.slot_freed_after_commit(sender=Appointment)
            _announce_cancelled(appointment, late=False)
    return appointment


def intake_approve(
    *, appointment: Appointment, actor: AbstractBaseUser, note: str = ""
) -> Appointment:
    """Clinical staff clear a booking held for review: it becomes confirmed, the client is told.
    Only with a clearance on the client's record that covers the session
    (`bookings.clearances.approval_refusal`); its scope (light pressure) then applies."""
    return _review(appointment, actor, approve=True, note=note)


def intake_decline(
    *, appointment: Appointment, actor: AbstractBaseUser, note: str = ""
) -> Appointment:
    """Clinical staff decide the session is not safe: it is cancelled (freeing the slot) and the
    client is told, with the note as the explanation."""
    return _review(appointment, actor, approve=False, note=note)
