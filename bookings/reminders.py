"""Reminders before a session: scheduled with the booking, moved with it, dropped with it.

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


def reminder_schedule(*, appointment: Appointment, now: dt.datetime | None = None) -> None:
    """Promise a reminder `REMINDER_LEAD_HOURS` before the (new) start.

    A session booked or moved inside the lead time gets none: the client has just had the
    confirmation or the "moved" e-mail.
    """
    now = now or timezone.now()
    due_at = appointment.start - lead_time()
    if due_at <= now:
        reminder_cancel(appointment=appointment)
        return
    Reminder.objects.update_or_create(
        appointment=appointment,
        kind=ReminderKind.DAY_BEFORE,
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


def reminders_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Claim due reminders no other worker holds, queue their e-mails, mark them done.

    The claim and the e-mail row commit together: a reminder is marked sent exactly when its
    e-mail is in the outbox, and the outbox then sends that e-mail once.
    """
    from bookings import notifications

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
            elif appointment.status != AppointmentStatus.CONFIRMED:
                reminder.outcome = NOT_CONFIRMED
            elif appointment.start <= now:
                reminder.outcome = TOO_LATE
            else:
                notifications.queue_reminder_email(appointment)
                reminder.outcome = SENT
                queued += 1
            reminder.sent_at = now
        Reminder.objects.bulk_update(due, ["sent_at", "outcome"])
    return queued
