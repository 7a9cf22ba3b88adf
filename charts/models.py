"""The session chart: a SOAP note per session, per-region work, addenda, and a read log.

Regulators expect massage records that cannot be silently rewritten (Maryland's SOAP rule,
Ontario's record-keeping rule with an audit log). So a note is a draft until its therapist
signs it; a signed note is read-only and corrections are addenda with author and time; a
signed note older than 24 hours cannot be deleted by anyone. `charts.services` enforces that,
and on PostgreSQL (and SQLite) database triggers (migration 0002) refuse it too, whatever
code or console tries.

Region names come from `health.body_regions`, the one catalogue. The SOAP texts, regions,
responses and addenda are encrypted at rest (core/encrypted_fields.py).
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import Appointment
from core.encrypted_fields import EncryptedTextField
from health import body_regions
from health.models import Pressure

SOAP_MAX_LENGTH = 4000
RESPONSE_MAX_LENGTH = 500
ADDENDUM_MAX_LENGTH = 4000
# After this long a signed note can no longer be deleted, by anyone (also in migration 0002).
DELETE_WINDOW = dt.timedelta(hours=24)


class Technique(models.TextChoices):
    ONE_FOOT = "one_foot", "One-foot"
    TWO_FOOT = "two_foot", "Two-foot"
    BAR = "bar", "Bar work"
    FLOOR = "floor", "Floor work"


def _soap_field(label: str, help_text: str) -> EncryptedTextField:
    return EncryptedTextField(
        label,
        blank=True,
        max_length=SOAP_MAX_LENGTH,
        validators=[MaxLengthValidator(SOAP_MAX_LENGTH)],
        help_text=help_text,
    )


class ChartNote(models.Model):
    """The SOAP note of one session. Draft until signed; then read-only."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="chart_note"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    subjective = _soap_field("Subjective", "What the client reports: how they feel, goals.")
    objective = _soap_field("Objective", "What you observed and did.")
    assessment = _soap_field("Assessment", "How the body responded; your judgement.")
    plan = _soap_field("Plan", "What next time should do: pressure, regions, frequency.")
    pressure_used = models.CharField(
        "Overall pressure", max_length=10, choices=Pressure.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="The client's data was erased; the note is kept empty."
    )

    class Meta:
        ordering = ["appointment__start"]
        constraints = [
            # An erased note keeps no health data (the trigger allows exactly this change).
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True)
                | (
                    Q(subjective="")
                    & Q(objective="")
                    & Q(assessment="")
                    & Q(plan="")
                    & Q(pressure_used="")
                ),
                name="chartnote_erased_means_empty",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(signed_at__isnull=False),
                name="chartnote_only_signed_notes_are_erased",
            ),
        ]

    def __str__(self) -> str:
        return f"Chart of {self.appointment.reference} ({'signed' if self.is_signed else 'draft'})"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def deletable(self, now: dt.datetime | None = None) -> bool:
        """Drafts can be discarded; a signed note only within 24 h of signing."""
        if not self.is_signed:
            return True
        return (now or timezone.now()) - self.signed_at < DELETE_WINDOW


class RegionEntry(models.Model):
    """What was done on one region of the body in the session. The region and the response
    are encrypted at rest, so "one entry per region" is kept by `charts.services` (which
    replaces a note's entries whole, under the appointment's row lock), not by a unique
    index."""

    note = models.ForeignKey(ChartNote, on_delete=models.CASCADE, related_name="entries")
    region = EncryptedTextField(max_length=40, choices=body_regions.CHOICES)
    technique = models.CharField(max_length=10, choices=Technique.choices)
    pressure = models.CharField(max_length=10, choices=Pressure.choices)
    client_response = EncryptedTextField(
        "Client's response",
        max_length=RESPONSE_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(RESPONSE_MAX_LENGTH)],
    )

    class Meta:
        ordering = ["note", "id"]
        verbose_name_plural = "region entries"

    def __str__(self) -> str:
        return f"{self.get_region_display()}: {self.get_technique_display()}"

    @property
    def order(self) -> int:
        return body_regions.ORDER.get(self.region, len(body_regions.REGIONS))


class Addendum(models.Model):
    """A correction or addition to a signed note, with who wrote it and when."""

    note = models.ForeignKey(ChartNote, on_delete=models.CASCADE, related_name="addenda")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    text = EncryptedTextField(
        max_length=ADDENDUM_MAX_LENGTH, validators=[MaxLengthValidator(ADDENDUM_MAX_LENGTH)]
    )

    class Meta:
        ordering = ["note", "created_at", "id"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.note_id} by {self.author}"


class ChartAccess(models.Model):
    """Every read of a session chart: who, when, which session, from where.

    Keyed by appointment (never deleted) rather than note, so the log outlives a discarded
    draft; like `health.IntakeAccess` it holds no health data itself.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    where = models.CharField(max_length=100)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "chart accesses"

    def __str__(self) -> str:
        return f"{self.user} read the chart of {self.appointment_id} ({self.where})"
