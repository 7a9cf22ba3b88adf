"""After booking: the session's status (check in, completed, no-show, back to review) and
the therapist's notes.

One status machine for the admin's buttons, the portal's form and the re-confirmation: a
session is checked in from its day on and completed or a no-show only once it started, so
nobody closes tomorrow's session by mistake. A clearance's scope binds the session here too.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings import clearances, notifications
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, SessionNote
from bookings.services import INVALID_REQUEST, NOT_CHANGEABLE, BookingError, _record
from core.clock import clinic_today
from health.models import IntakeOutcome

# Which statuses each status may be reached from. Cancelling goes through booking_cancel and
# approving or declining a review through intake_approve / intake_decline.
STATUS_TRANSITIONS = {
    AppointmentStatus.CHECKED_IN: {AppointmentStatus.CONFIRMED},
    AppointmentStatus.COMPLETED: {AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN},
    # Issue #13: a re-confirmed intake that newly needs clearance sends the session back to
    # review before it starts (bookings/reconfirmation.py); nobody sets it by hand.
    AppointmentStatus.PENDING_REVIEW: {AppointmentStatus.CONFIRMED},
}
# What staff and therapists set by hand (the admin's buttons, the portal's form).
BY_HAND = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def _status_refusal(appointment: Appointment, status: str, now: dt.datetime) -> BookingError | None:
    """Why `appointment` may not be given `status` at `now`, or None if it may."""
    if status not in STATUS_TRANSITIONS:
        return BookingError("That status cannot be set here.", code=INVALID_REQUEST)
    if appointment.status not in STATUS_TRANSITIONS[status]:
        return BookingError(
            f"A booking that is {appointment.get_status_display().lower()} cannot be "
            f"marked {AppointmentStatus(status).label.lower()}.",
            code=NOT_CHANGEABLE,
        )
    if status == AppointmentStatus.CHECKED_IN and clinic_today(now) < clinic_today(
        appointment.start
    ):
        return BookingError(
            "A client can be checked in on the day of the session.", code=NOT_CHANGEABLE
        )
    if status == AppointmentStatus.PENDING_REVIEW:
        if now >= appointment.start:
            return BookingError("This session has already started.", code=NOT_CHANGEABLE)
        return None
    if status != AppointmentStatus.CHECKED_IN and now < appointment.start:
        return BookingError("This session has not started yet.", code=NOT_CHANGEABLE)
    return None


def allowed_status_changes(
    *, appointment: Appointment, now: dt.datetime | None = None, among: Iterable[str] | None = None
) -> list[str]:
    """The statuses `appointment` may be given at `now` (check in, completed, no-show), in
    that order, optionally only `among` some. The one rule: the admin's buttons and the
    portal's form offer these, and `appointment_set_status` refuses anything else."""
    now = now or timezone.now()
    wanted = set(BY_HAND if among is None else among)
    return [
        status
        for status in STATUS_TRANSITIONS
        if status in wanted and _status_refusal(appointment, status, now) is None
    ]


def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    actor: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Appointment:
    """Check a client in, mark the session completed or a no-show; recorded with who and when.

    A session can be checked in from its day on, and completed or marked a no-show only once
    it has started: nobody can "complete" tomorrow's session by mistake.
    """
    now = now or timezone.now()
    if status not in BY_HAND:
        raise BookingError("That status cannot be set here.", code=INVALID_REQUEST)
    with transaction.atomic(durable=True):
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        return appointment_status_change(
            appointment=appointment, status=status, actor=actor, now=now
        )


def appointment_status_change(
    *,
    appointment: Appointment,
    status: str,
    actor: AbstractBaseUser | None,
    now: dt.datetime,
    **details: Any,
) -> Appointment:
    """The status change itself, refused unless `allowed_status_changes` would offer it.
    Not durable: call it inside the caller's transaction with `appointment` locked (the
    re-confirmation changes the intake and the status in one transaction)."""
    refusal = _status_refusal(appointment, status, now)
    if refusal is not None:
        raise refusal
    previous = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, AppointmentEvent.Kind.STATUS, actor, old=previous, new=status, **details)
    return appointment


def session_restrict(
    *, appointment: Appointment, actor: AbstractBaseUser | None, now: dt.datetime, **details: Any
) -> clearances.Restriction | None:
    """Hold a booked session to `clearances.appointment_restriction` again, inside the
    caller's transaction with `appointment` locked (a move to another day, a withdrawn
    clearance): a confirmed session that needs clearance and that no clearance covers any
    more goes back to review through `appointment_status_change`, and the client and the
    clinic are told as when a re-confirmed intake sends it back; otherwise the pressure
    becomes what the clearance covering it allows. `details` go into the history."""
    if appointment.intake.outcome != IntakeOutcome.NEEDS_CLEARANCE:
        return None
    restriction = clearances.appointment_restriction(appointment)
    if restriction is None:
        return None
    intake = appointment.intake
    if restriction.pressure != intake.effective_pressure:
        intake.effective_pressure = restriction.pressure
        intake.save(update_fields=["effective_pressure"])
    if restriction.needs_review and appointment.status == AppointmentStatus.CONFIRMED:
        appointment_status_change(
            appointment=appointment,
            status=AppointmentStatus.PENDING_REVIEW,
            actor=actor,
            now=now,
            clearance_review="no clearance covers it",
            **details,
        )
        notifications.queue_appointment_email(appointment, notifications.CLEARANCE_REVIEW)
        notifications.queue_staff_reconfirm_email(appointment, what="clearance")
    return restriction


def _apply_scope(appointment: Appointment, clearance) -> None:
    """A clearance's scope binds the session (light pressure only, say): the strictest of
    the intake's own cap and the clearance's (`clearances.session_restriction`)."""
    intake = appointment.intake
    restriction = clearances.appointment_restriction(appointment)
    pressure = clearances.scoped_pressure(
        clearance, restriction.pressure if restriction else intake.effective_pressure
    )
    if pressure != intake.effective_pressure:
        intake.effective_pressure = pressure
        intake.save(update_fields=["effective_pressure"])


def session_note_add(
    *,
    appointment: Appointment,
    author: AbstractBaseUser,
    work_done: str,
    pressure_used: str,
    client_response: str = "",
) -> SessionNote:
    """Keep the therapist's note of the session with the appointment (and in its history)."""
    note = SessionNote(
        appointment=appointment,
        author=author,
        work_done=work_done,
        pressure_used=pressure_used,
        client_response=client_response,
    )
    note.full_clean(exclude=["appointment", "author"])
    with transaction.atomic():
        note.save()
        _record(appointment, AppointmentEvent.Kind.NOTE, author)
    return note
