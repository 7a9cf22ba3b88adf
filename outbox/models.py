"""The outbox: every e-mail the clinic owes someone, and periodic jobs done once per period.

An e-mail is a row written in the same transaction as the change it reports, so a booking
that commits always has its e-mail on record and a booking that rolls back has none. The
worker renders and sends it afterwards; a failure is logged on the row and retried with
backoff, never lost and never able to undo the booking.

Generic: it knows nothing of bookings (reminders live in `bookings.models.Reminder`).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    # The language active when the e-mail was queued (the client's request); builders that
    # know the recipient's own language (a booking's, a waitlist entry's) override it.
    language = models.CharField(max_length=10, blank=True)
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
