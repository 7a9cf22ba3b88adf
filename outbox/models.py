"""The outbox: every e-mail the clinic owes someone, and periodic jobs done once per period.

An e-mail is a row written in the same transaction as the change it reports, so a booking
that commits always has its e-mail on record and a booking that rolls back has none. The
worker renders and sends it afterwards; a failure is logged on the row and retried with
backoff, never lost and never able to undo the booking. Every e-mail ends sent, moot (no
longer worth sending, with the reason) or a dead letter that staff see and can send again
(docs/outbox.md).

Generic: it knows nothing of bookings (reminders live in `bookings.models.Reminder`).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    # A worker holds it until `claimed_until`; a worker that dies lets the claim lapse.
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    # Not worth sending any more (the session passed, the offer lapsed); `reason` says why.
    MOOT = "moot", "No longer needed"
    # Every retry failed: staff see it in the admin and can send it again.
    DEAD = "dead", "Dead letter (gave up)"


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
    # After this moment the message is pointless (a reminder once the session starts).
    moot_after = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why it is no longer needed, or was given up."
    )
    # The sending worker's claim: its token, and when the claim lapses if it never reports.
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
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
            ),
            models.Index(
                fields=["created_at"], condition=Q(status="dead"), name="outbox_email_dead"
            ),
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
