"""Therapists, their credentials, working hours and time off.

Walking on a client's back needs advanced training, so a therapist is bookable for a style
only while a verified credential for it (and a verified massage licence) is valid.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import tokens


class CredentialKind(models.TextChoices):
    MASSAGE_LICENCE = "massage_licence", "Massage licence"
    FLOOR_CERTIFICATION = "floor_certification", "Floor Ashiatsu certification"
    BAR_CERTIFICATION = "bar_certification", "Bar therapy certification"
    OTHER = "other", "Other"


class Therapist(models.Model):
    """A person who performs Ashiatsu sessions; optionally linked to a login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="therapist",
    )
    slug = models.SlugField(unique=True)
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    daily_session_cap = models.PositiveSmallIntegerField(
        default=5, help_text="Most sessions this therapist may walk in one day."
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Recovery and room turnover time after each session."
    )
    weekly_load_minutes = models.PositiveSmallIntegerField(
        "weekly load budget (minutes)",
        default=1200,
        help_text="Most minutes of walk-on-back work per week (Monday to Sunday), each "
        "style weighted as the clinic set (LOAD_STYLE_WEIGHTS). 1,200 = 20 hours.",
    )
    calendar_token_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Hash of the private calendar feed token; empty means no feed.",
    )

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_session_cap__gte=1) & Q(daily_session_cap__lte=12),
                name="therapist_daily_cap_between_1_and_12",
            ),
            models.CheckConstraint(
                condition=Q(buffer_minutes__lte=120), name="therapist_buffer_at_most_2h"
            ),
            models.CheckConstraint(
                condition=Q(weekly_load_minutes__gte=60) & Q(weekly_load_minutes__lte=4200),
                name="therapist_weekly_load_60_to_4200_minutes",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def new_calendar_token(self) -> str:
        """Issue a fresh feed token (revoking any earlier one); only its hash is kept."""
        token = tokens.token_new()
        self.calendar_token_hash = tokens.token_hash(token)
        return token

    def revoke_calendar_token(self) -> None:
        self.calendar_token_hash = ""

    def calendar_token_matches(self, token: str) -> bool:
        return tokens.token_matches(self.calendar_token_hash, token)


class CredentialQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified_at__isnull=False)

    def valid_on(self, day: dt.date):
        """Verified credentials in force on `day` (issued on or before, not yet expired)."""
        return self.verified().filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day), issued_on__lte=day
        )


class Credential(models.Model):
    """A licence or certification; it counts only once clinic staff have verified it."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    issuer = models.CharField(max_length=200)
    number = models.CharField(max_length=100)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["therapist", "kind", "-issued_on"]
        permissions = [("verify_credential", "Can verify a therapist's credential")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="credential_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(verified_at__isnull=False),
                name="credential_verifier_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.therapist})"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One working interval on a weekday, in the clinic's local time; several a day allowed."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6), name="working_hours_weekday_0_to_6"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="working_hours_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    """A period (holiday, sickness, training) in which the therapist takes no bookings."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["therapist", "start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="time_off_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.therapist}: {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
