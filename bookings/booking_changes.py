"""Changing a booking after it was made: cancel, move, and the deposit that makes a held
booking count or lets it go.

Clients change online until the cut-off, staff any time before the session with the
override recorded; a move keeps the old time unless the new one can really be had, under
the same locks and checks as `bookings.services.booking_create`.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import availability, clearances, notifications, reminders, signals, wording
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Room
from bookings.schedules import clinic_rules
from bookings.services import (
    NOT_CHANGEABLE,
    TOO_LATE_TO_CHANGE,
    BookingError,
    _announce_cancelled,
    _aware_utc,
    _candidates,
    _cleared,
    _find_slot,
    _insert_guarded,
    _is_staff,
    _lock,
    _record,
    _rescreen_for_day,
    _within_reach,
)
from bookings.session_status import _apply_scope, session_restrict
from core.clock import clinic_today
from health.models import IntakeOutcome
from therapists.models import Therapist


def _check_changeable(appointment: Appointment) -> None:
    """Raise unless the booking can still change at all (not cancelled, completed...)."""
    if not appointment.is_changeable:
        raise BookingError(
            _("This booking is %(status)s and cannot be changed.")
            % {"status": str(appointment.get_status_display()).lower()},
            code=NOT_CHANGEABLE,
        )


def _check_may_change(appointment: Appointment, actor, now: dt.datetime) -> bool:
    """Raise unless `actor` may change the appointment now; True when staff overrode the
    client cut-off."""
    _check_changeable(appointment)
    if appointment.client_can_change(now):
        return False
    if _is_staff(actor):
        return True
    raise BookingError(
        _(
            "Bookings can be changed online until %(cutoff)s before the start. "
            "Please call the clinic."
        )
        % {"cutoff": wording.change_cutoff()},
        code=TOO_LATE_TO_CHANGE,
    )


def booking_cancel(
    *,
    appointment: Appointment,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel, which frees the slot. Clients (actor None) only until the cut-off; staff
    any time before the session, with the override recorded."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        return booking_cancel_locked(appointment=appointment, actor=actor, reason=reason, now=now)


def booking_cancel_locked(
    *,
    appointment: Appointment,
    actor: AbstractBaseUser | None,
    reason: str,
    now: dt.datetime,
    history: Mapping[str, Any] | None = None,
) -> Appointment:
    """`booking_cancel` inside the caller's open transaction (a series cancels its future
    sessions in one transaction): lock, check, cancel, history, e-mails, reminder, and the
    slot_freed / appointment_cancelled signals after commit."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    override = _check_may_change(appointment, actor, now)
    return _cancel(
        appointment,
        actor,
        email=notifications.CANCELLED,
        late=override,
        override=override,
        reason=reason[:500],
        **dict(history or {}),
    )


def _cancel(
    appointment: Appointment, actor, *, email: str, late: bool, **history: Any
) -> Appointment:
    """What every cancellation does once it is allowed: the status, the history line, the
    client's e-mail (`email`: its kind) and the therapist's, the reminders withdrawn, and
    after commit slot_freed and appointment_cancelled (`late`: whether a fee may apply)."""
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, AppointmentEvent.Kind.CANCELLED, actor, **history)
    notifications.queue_appointment_email(appointment, email)
    notifications.queue_therapist_email(appointment, notifications.THERAPIST_CANCELLED)
    reminders.reminder_cancel(appointment=appointment)
    signals.slot_freed_after_commit(sender=Appointment)
    _announce_cancelled(appointment, late=late)
    return appointment


def booking_cancel_for_safety(*, appointment: Appointment, reason: str) -> Appointment:
    """Cancel because the client's own updated intake rules the session out (issue #13):
    never a late cancellation whatever the hour (no fee, deposit refunded: `late=False`),
    the client's cut-off does not apply, and the client gets the plain explanation instead
    of the ordinary cancellation e-mail. Not durable: the re-confirmation calls it inside
    the transaction that records the new intake, with `appointment` locked."""
    _check_changeable(appointment)
    return _cancel(
        appointment,
        None,
        email=notifications.RECONFIRM_DECLINED,
        late=False,
        old=appointment.status,
        reason=reason[:500],
        safety="declined at re-confirmation",
    )


def booking_deposit_paid(*, appointment: Appointment) -> bool:
    """The client paid the deposit: the held booking now counts (confirmed, or pending review
    when the intake needs clearance). False when it no longer waits (the hold ran out, or it
    was cancelled), so the caller must give the money back.

    Not durable: the payments app calls it inside the transaction that records the payment,
    so the payment and the confirmation commit together.
    """
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("intake")
            .get(pk=appointment.pk)
        )
        if appointment.status != AppointmentStatus.AWAITING_DEPOSIT:
            return False
        needs_clearance = appointment.intake.outcome == IntakeOutcome.NEEDS_CLEARANCE
        clearance = clearances.clearance_for_appointment(appointment) if needs_clearance else None
        needs_clearance = needs_clearance and clearance is None
        if clearance is not None:
            _apply_scope(appointment, clearance)
        appointment.status = (
            AppointmentStatus.PENDING_REVIEW if needs_clearance else AppointmentStatus.CONFIRMED
        )
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.STATUS,
            None,
            old=AppointmentStatus.AWAITING_DEPOSIT,
            new=appointment.status,
            deposit="paid",
            **(_cleared(clearance) if clearance else {}),
        )
        notifications.queue_appointment_email(
            appointment,
            notifications.PENDING_REVIEW if needs_clearance else notifications.CONFIRMED,
        )
        notifications.queue_therapist_email(appointment, notifications.THERAPIST_NEW)
    return True


def booking_release_unpaid(*, appointment: Appointment) -> bool:
    """The deposit was not paid within the hold: cancel the booking, which frees the slot
    (and offers it to the waitlist). False when another process got there first or the
    deposit was paid meanwhile."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(skip_locked=True)
            .filter(pk=appointment.pk, status=AppointmentStatus.AWAITING_DEPOSIT)
            .first()
        )
        if appointment is None:
            return False
        appointment.status = AppointmentStatus.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.CANCELLED,
            None,
            reason="The deposit was not paid in time",
        )
        notifications.queue_appointment_email(appointment, notifications.HOLD_EXPIRED)
        reminders.reminder_cancel(appointment=appointment)
        signals.slot_freed_after_commit(sender=Appointment)
        _announce_cancelled(appointment, late=False)
    return True


def _check_room(appointment: Appointment, room: Room | None) -> None:
    """Refuse a room that is closed or not equipped for the session's style."""
    if room is None:
        return
    if not room.active or not room.styles.filter(pk=appointment.service.style_id).exists():
        raise BookingError(
            _("%(room)s is not equipped for %(style)s.")
            % {"room": room.name, "style": appointment.service.style.name},
            code=availability.NO_ROOM,
        )


def booking_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    therapist: Therapist | None = None,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
    room: Room | None = None,
) -> Appointment:
    """Move to `start` (and `therapist`, default: the same one) atomically: if the new time
    cannot be had, the booking keeps its old time and nothing changes. `room`: that room
    and no other (the desk's calendar drags a session into a room; default: any free room
    equipped for the style)."""
    now = now or timezone.now()
    start = _aware_utc(start)
    _within_reach(start, now)
    staff = _is_staff(actor)
    with transaction.atomic(durable=True):
        # of=("self",): lock only the appointment row. Locking the joined therapist and style
        # rows here, before `_lock` takes rooms then therapists, would take locks in the
        # opposite order to booking_create and deadlock against it.
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("service__style", "therapist", "intake")
            .get(pk=appointment.pk)
        )
        override = _check_may_change(appointment, actor, now)
        _rescreen_for_day(appointment, clinic_today(start))
        _check_room(appointment, room)
        new_therapist = therapist or appointment.therapist
        candidates = _candidates(appointment.service, new_therapist)
        _lock(appointment.service, candidates)
        chosen, room_id = _find_slot(
            service=appointment.service,
            candidates=candidates,
            start=start,
            now=now,
            rules=clinic_rules(min_notice=dt.timedelta(0) if staff else None),
            ignore_appointment_id=appointment.pk,
            room_id=room.pk if room is not None else None,
        )
        old = {"start": appointment.start.isoformat(), "therapist": appointment.therapist.slug}
        old_start, old_therapist = appointment.start, appointment.therapist
        appointment.therapist = chosen
        appointment.room_id = room_id
        appointment.start = start
        appointment.end = start + appointment.service.duration
        appointment.occupied_until = appointment.end + dt.timedelta(minutes=chosen.buffer_minutes)
        _insert_guarded(
            lambda: appointment.save(
                update_fields=["therapist", "room", "start", "end", "occupied_until", "updated_at"]
            )
        )
        _record(
            appointment,
            AppointmentEvent.Kind.RESCHEDULED,
            actor,
            override=override,
            old=old,
            new={"start": start.isoformat(), "therapist": chosen.slug},
        )
        # The clearance that covered the old day may not cover the new one, or cover it
        # with another scope.
        session_restrict(appointment=appointment, actor=actor, now=now, moved=True)
        notifications.queue_move_emails(
            appointment, old_start=old_start, old_therapist=old_therapist
        )
        reminders.reminder_schedule(appointment=appointment, now=now)
        signals.slot_freed_after_commit(sender=Appointment)
    return appointment
