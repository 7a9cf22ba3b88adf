"""Health data: a booking's intake answers and what screening decided, their revisions at
re-confirmation, clearances from health professionals, and the log of every read of them.

Answers, reasons and the clearance's details are encrypted at rest; their authenticated
data keeps the column names they had in `bookings` (`associated_data=`), and the tables
keep their names (`db_table`), so moving the models here moved and re-encrypted nothing.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from core.encrypted_fields import EncryptedJSONField, EncryptedTextField
from health import screening


class IntakeOutcome(models.TextChoices):
    CLEAR = "clear", "Clear"
    LIGHT_PRESSURE = "light_pressure", "Light pressure only"
    NEEDS_CLEARANCE = "needs_clearance", "Needs clearance"
    DECLINED = "declined", "Declined"


class Pressure(models.TextChoices):
    LIGHT = "light", _("Light")
    MEDIUM = "medium", _("Medium")
    DEEP = "deep", _("Deep")


class Intake(models.Model):
    """A client's back-health answers for one booking and what screening decided."""

    questionnaire_version = models.PositiveSmallIntegerField()
    answers = EncryptedJSONField(sealed_under="bookings.intake")
    outcome = models.CharField(max_length=20, choices=IntakeOutcome.choices)
    reasons = EncryptedJSONField(sealed_under="bookings.intake", default=list, blank=True)
    effective_pressure = models.CharField(max_length=10, choices=Pressure.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_intake"  # the table it had in bookings
        ordering = ["-created_at"]
        permissions = [
            ("view_full_intake", "Can read a client's full health answers"),
            ("review_intake", "Can approve or decline a booking that needs clearance"),
        ]

    def __str__(self) -> str:
        return f"Intake v{self.questionnaire_version}: {self.get_outcome_display()}"

    @property
    def light_pressure_only(self) -> bool:
        return screening.light_pressure_only(
            effective_pressure=self.effective_pressure, outcome=self.outcome
        )

    @property
    def flags(self) -> list[str]:
        """What a therapist or the front desk must know without reading the full answers."""
        flags = []
        if self.light_pressure_only:
            flags.append("Light pressure only")
        if self.outcome == IntakeOutcome.NEEDS_CLEARANCE:
            flags.append("Needed clinical clearance")
        if (self.answers or {}).get("avoid_areas") or (self.answers or {}).get("avoid_regions"):
            flags.append("Areas to avoid")
        if (self.answers or {}).get("other_conditions"):
            flags.append("Other conditions noted")
        return flags


class IntakeAccess(models.Model):
    """Every read of a client's full health answers: who, when, which intake, from where.

    Health answers are personal data; the log lets a manager answer "who has seen this?".
    """

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    where = models.CharField(max_length=100, help_text="The page or export that showed them.")

    class Meta:
        db_table = "bookings_intakeaccess"  # the table it had in bookings
        ordering = ["-at"]
        verbose_name_plural = "intake accesses"

    def __str__(self) -> str:
        return f"{self.user} read intake {self.intake_id} ({self.where}) at {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class ReconfirmationLink(models.Model):
    """The private link of one "has anything changed?" e-mail (bookings/reconfirmation.py).

    Only the token's hash is kept (core/tokens.py). The link works until the session starts,
    as many times as the client needs (they may remember something later); after that, or
    once the session is cancelled, it answers 410.
    """

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="reconfirmation_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_reconfirmationlink"  # the table it had in bookings
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Re-confirmation link for {self.appointment_id}"


class IntakeRevision(models.Model):
    """One change of a session's intake at re-confirmation: the answers it had (`previous`,
    kept untouched: the clinic must be able to say what the client was told and why) and the
    new intake that replaced them as `Appointment.intake`."""

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="intake_revisions"
    )
    previous = models.OneToOneField(
        Intake, on_delete=models.PROTECT, related_name="replaced_by", editable=False
    )
    current = models.OneToOneField(
        Intake, on_delete=models.PROTECT, related_name="replaces", editable=False
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bookings_intakerevision"  # the table it had in bookings
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"Intake {self.previous_id} replaced by {self.current_id}"


class ClearanceRole(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    CHIROPRACTOR = "chiropractor", "Chiropractor"
    MIDWIFE = "midwife", "Midwife"
    OTHER = "other", "Other health professional"


class ClearanceScope(models.TextChoices):
    FULL = "full", "Full: any pressure the client asks for"
    LIGHT_PRESSURE = "light_pressure", "Light pressure only"


class Clearance(models.Model):
    """A health professional's clearance for walk-on-back massage, kept on the client's
    record (bookings/clearances.py has the rules). Health data: who cleared, for which
    intake conditions, with which restrictions, and the letter itself. Who, their role, the
    scope, restrictions and conditions are encrypted at rest (core/encrypted_fields.py). The
    letter is stored sealed (AES-GCM) in private storage, never under a public URL; only its
    storage name, type and size are here."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="clearances")
    cleared_by_name = EncryptedTextField(
        "Cleared by",
        max_length=200,
        validators=[MaxLengthValidator(200)],
        sealed_under="bookings.clearance",
    )
    cleared_by_role = EncryptedTextField(
        "Their role",
        max_length=20,
        choices=ClearanceRole.choices,
        sealed_under="bookings.clearance",
    )
    cleared_on = models.DateField("Date of clearance")
    valid_until = models.DateField(
        help_text="The last session date it covers (default: 12 months after the clearance)."
    )
    scope = EncryptedTextField(
        sealed_under="bookings.clearance", max_length=20, choices=ClearanceScope.choices
    )
    restrictions = EncryptedTextField(
        sealed_under="bookings.clearance",
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        help_text="Anything else the professional restricted (areas, positions).",
    )
    conditions = EncryptedJSONField(
        sealed_under="bookings.clearance",
        default=list,
        help_text="The intake conditions (question keys) it clears.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    letter_file = models.CharField(max_length=100, blank=True, editable=False)
    letter_type = models.CharField(max_length=40, blank=True, editable=False)
    letter_size = models.PositiveIntegerField(default=0, editable=False)
    # Withdrawn (the professional took it back, or it was recorded in error): it covers no
    # session from then on; who, why and when stay with it (bookings/clearance_withdrawal.py).
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    withdrawn_reason = EncryptedTextField(
        sealed_under="bookings.clearance", blank=True, max_length=1000, editable=False
    )

    class Meta:
        db_table = "bookings_clearance"  # the table it had in bookings
        ordering = ["-valid_until", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_on__lte=F("valid_until")),
                name="clearance_valid_after_it_was_given",
            )
        ]

    def __str__(self) -> str:
        return f"Clearance {self.pk} for client {self.client_id}, valid until {self.valid_until}"

    def covers(self, day: dt.date) -> bool:
        return self.withdrawn_at is None and self.cleared_on <= day <= self.valid_until


class ClearanceAccess(models.Model):
    """Every read of a clearance letter or its details: who, when, from where (like
    `IntakeAccess`, the clinic's log of health-data reads; managers search both)."""

    clearance = models.ForeignKey(Clearance, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    where = models.CharField(max_length=100, help_text="The page that showed it.")

    class Meta:
        db_table = "bookings_clearanceaccess"  # the table it had in bookings
        ordering = ["-at"]
        verbose_name_plural = "clearance accesses"

    def __str__(self) -> str:
        return f"{self.user} read clearance {self.clearance_id} ({self.where})"
