"""What the clinic keeps about text messages, beside the outbox that sends them.

The outbox (`outbox.Email`, one row per message whatever the channel) carries the queue, the
retries and the dead letters; these tables keep what only texts have:
- `ClientTexts`: a client's number in E.164 (or the number as typed, flagged, when it cannot
  be read), whether they chose texts, the wording they were shown and when;
- `Number`: per E.164 number, whether it may be texted (a STOP reply, a permanent failure);
- `Text`: one text sent or owed (its outbox row, Twilio's SID, the delivery status);
- `Inbound`: a text the clinic received (unique on Twilio's MessageSid: a webhook retried
  acts once) and what was done with it; what no keyword answers is the front desk's inbox;
- `Attendance`: a client's "C" reply: they will come;
- `ShortLink`: the short code of a manage link (`/m/<code>`), sealed token inside;
- `ServiceTexts`: a service's reminder lead time and whether a second reminder goes;
- `Reminder`: a reminder text owed once per session and lead (unique: sweeps race safely).
"""

from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from bookings.models import Appointment, Service
from clients.models import Client
from outbox.models import Email


class ClientTexts(models.Model):
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="texts")
    number = PhoneNumberField(blank=True, help_text="In E.164; empty when it cannot be read.")
    typed = models.CharField(max_length=40, blank=True, help_text="The number as typed.")
    problem = models.CharField(
        max_length=200, blank=True, help_text="Why the number cannot be used for texts."
    )
    wants_texts = models.BooleanField(default=False)
    consent_wording = models.TextField(blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "client's texts"
        verbose_name_plural = "clients' texts"

    def __str__(self) -> str:
        return f"{self.client} ({'texts' if self.wants_texts else 'e-mail only'})"


class Number(models.Model):
    number = PhoneNumberField(unique=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    failed_code = models.CharField(max_length=10, blank=True)
    failed_reason = models.CharField(max_length=300, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.number)

    @property
    def blocked_reason(self) -> str:
        if self.failed_reason:
            return self.failed_reason
        if self.opted_out_at:
            return "The client replied STOP."
        return ""


class TextStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"


class Text(models.Model):
    email = models.OneToOneField(
        Email, null=True, blank=True, on_delete=models.CASCADE, related_name="text"
    )
    kind = models.CharField(max_length=40)
    number = PhoneNumberField()
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="texts"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="sent_texts"
    )
    body = models.TextField(blank=True)
    sid = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=10, blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} text to {self.number}"


class Inbound(models.Model):
    class Action(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed attendance"
        CANCELLED = "cancelled", "Cancelled the session"
        CANCEL_REFUSED = "cancel_refused", "Asked to cancel after the cut-off"
        STOPPED = "stopped", "Stopped texts"
        STARTED = "started", "Resumed texts"
        LINK = "link", "Asked for the manage link"
        NO_BOOKING = "no_booking", "No upcoming session to act on"
        INBOX = "inbox", "For the front desk"

    sid = models.CharField(max_length=64, unique=True)
    number = PhoneNumberField()
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_texts"
    )
    body = models.TextField()
    action = models.CharField(max_length=20, choices=Action.choices)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "received text"

    def __str__(self) -> str:
        return f"Text from {self.number} ({self.get_action_display().lower()})"


class Attendance(models.Model):
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="attendance"
    )
    confirmed_at = models.DateTimeField()
    via = models.CharField(max_length=20, default="text")

    def __str__(self) -> str:
        return f"{self.appointment} confirmed"


class ShortLink(models.Model):
    code = models.CharField(max_length=12, unique=True)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="short_link"
    )
    sealed_token = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.code


class ServiceTexts(models.Model):
    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="texts")
    reminder_hours = models.PositiveSmallIntegerField(default=24)
    second_reminder = models.BooleanField(
        default=False, help_text="Also text 2 hours before the session."
    )

    class Meta:
        verbose_name = "service's reminder texts"
        verbose_name_plural = "services' reminder texts"

    def __str__(self) -> str:
        return f"{self.service}: {self.reminder_hours} h"


class Reminder(models.Model):
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="text_reminders"
    )
    lead = models.CharField(max_length=10)  # "first" / "second"
    start = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "lead", "start"], name="texts_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead} reminder for {self.appointment}"
