"""Reminders before a session: scheduled with the booking, moved with it, dropped with it.

Two kinds share this machinery: the reminder (`REMINDER_LEAD_HOURS` before) and the "has
anything changed?" e-mail with its re-confirmation link (`RECONFIRM_DAYS_BEFORE` days
before, issue #13; bookings/reconfirmation.py).

One row per appointment and kind (unique). Booking schedules it, a move re-schedules it for
the new time (and it may go out again), a cancellation deletes it if unsent. The sweep sends
a due reminder only if the appointment is still confirmed at the very time the reminder was
made for, so a cancelled or moved session never gets a reminder for its old time.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Reminder, ReminderKind

SENT = "sent"
NOT_CONFIRMED = "skipped: not confirmed"
MOVED = "skipped: moved"
TOO_LATE = "skipped: session started"


def lead_time() -> dt.timedelta:
    return dt.timedelta(hours=settings.REMINDER_LEAD_HOURS)


def lead_times() -> dict[str, dt.timedelta]:
    """How long before the session each kind goes out: the reminder, and (issue #13) the
    "has anything changed?" e-mail with its re-confirmation link."""
    return {
        ReminderKind.DAY_BEFORE: lead_time(),
        ReminderKind.RECONFIRM: dt.timedelta(days=settings.RECONFIRM_DAYS_BEFORE),
    }


def reminder_schedule(*, appointment: Appointment, now: dt.datetime | None = None) -> None:
    """Promise each kind its lead time before the (new) start.

    A session booked or moved inside a kind's lead time gets none of that kind: the client
    has just had the confirmation or the "moved" e-mail, and has just answered (or, when
    moving, had every chance to update) the intake, so a re-confirmation link a few hours
    later would ask again what they just said.
    """
    now = now or timezone.now()
    for kind, lead in lead_times().items():
        due_at = appointment.start - lead
        if due_at <= now:
            Reminder.objects.filter(
                appointment=appointment, kind=kind, sent_at__isnull=True
            ).delete()
            continue
        Reminder.objects.update_or_create(
            appointment=appointment,
            kind=kind,
            defaults={
                "appointment_start": appointment.start,
                "due_at": due_at,
                "sent_at": None,
                "outcome": "",
            },
        )


def reminder_cancel(*, appointment: Appointment) -> None:
    """Drop the unsent reminders of a cancelled appointment (sent ones stay as history)."""
    Reminder.objects.filter(appointment=appointment, sent_at__isnull=True).delete()


# The re-confirmation also asks sessions still waiting for review: an answer that now rules
# the session out must cancel it before anyone reviews stale answers.
SENT_TO = {
    ReminderKind.DAY_BEFORE: {AppointmentStatus.CONFIRMED},
    ReminderKind.RECONFIRM: {AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING_REVIEW},
}


def reminders_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Claim due reminders no other worker holds, queue their e-mails, mark them done.

    The claim and the e-mail row commit together: a reminder is marked sent exactly when its
    e-mail is in the outbox, and the outbox then sends that e-mail once.
    """
    from bookings import notifications
    from bookings.reconfirmation_links import reconfirmation_link_issue

    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        due = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, due_at__lte=now)
            .select_related("appointment")
            .order_by("due_at", "pk")[:limit]
        )
        for reminder in due:
            appointment = reminder.appointment
            if appointment.start != reminder.appointment_start:
                reminder.outcome = MOVED
            elif appointment.status not in SENT_TO.get(reminder.kind, ()):
                reminder.outcome = NOT_CONFIRMED
            elif appointment.start <= now:
                reminder.outcome = TOO_LATE
            else:
                if reminder.kind == ReminderKind.RECONFIRM:
                    reconfirmation_link_issue(appointment=appointment)
                else:
                    notifications.queue_reminder_email(appointment)
                reminder.outcome = SENT
                queued += 1
            reminder.sent_at = now
        Reminder.objects.bulk_update(due, ["sent_at", "outcome"])
    return queued
