"""The outbox: every e-mail the clinic owes someone, and every reminder it has promised.

An e-mail is a row written in the same transaction as the change it reports, so a booking
that commits always has its e-mail on record and a booking that rolls back has none. The
worker renders and sends it afterwards; a failure is logged on the row and retried with
backoff, never lost and never able to undo the booking.

A reminder is one row per appointment and kind, unique, due at a fixed time before the
session. A sweep claims due rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of
workers can sweep at once and each reminder still goes out once.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import Appointment


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not needed any more"
    FAILED = "failed", "Failed (gave up)"


class Email(models.Model):
    """One e-mail to send. `builder` (a dotted path) turns `params` into the message at send
    time; `secret` carries a one-time link token until the message is sent, then is wiped."""

    kind = models.CharField(max_length=40)
    builder = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    secret = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    recipients = models.CharField(max_length=500, blank=True, help_text="Filled in when sent.")
    subject = models.CharField(max_length=300, blank=True, help_text="Filled in when sent.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_email_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display().lower()})"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", "Reminder before the session"


class Reminder(models.Model):
    """A reminder promised for `appointment_start`: if the appointment moved or was cancelled
    since, the sweep sends nothing for the old time."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(
        max_length=20, choices=ReminderKind.choices, default=ReminderKind.DAY_BEFORE
    )
    appointment_start = models.DateTimeField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind"], name="reminder_once_per_kind")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent_due"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} for {self.appointment_id} due {self.due_at:%Y-%m-%d %H:%M}"
        )


class PeriodicRun(models.Model):
    """A periodic job done for a period (e.g. the weekly digest for ISO week 2026-W23). The
    unique pair makes "once per period" hold however many sweeps run at once."""

    name = models.CharField(max_length=60)
    period = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="periodic_run_once")]

    def __str__(self) -> str:
        return f"{self.name} {self.period}"
