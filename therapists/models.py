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
from core.encrypted_fields import EncryptedTextField
from therapists.hours import DatedHours


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


class WorkingHoursQuerySet(models.QuerySet):
    def in_force_between(self, first_day: dt.date, last_day: dt.date):
        """Rows in force on at least one day of first_day .. last_day (inclusive)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=last_day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day),
        )


class WorkingHours(models.Model):
    """One working interval on a weekday, in the clinic's local time; several a day allowed.

    Dated: in force from `valid_from` to `valid_until` (local dates, inclusive; empty means
    open), so availability uses the hours of each date and past reports the hours as they
    were. A manager's approval of new hours (`therapists.hours_changes`) ends the rows in
    force the day before and adds the new ones from their first day.
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    valid_from = models.DateField(
        null=True, blank=True, help_text="First day these hours apply; empty: since always."
    )
    valid_until = models.DateField(
        null=True, blank=True, help_text="Last day these hours apply; empty: until changed."
    )

    objects = WorkingHoursQuerySet.as_manager()

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
        text = f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"
        if self.valid_from or self.valid_until:
            text += f" ({self.valid_from or '…'} – {self.valid_until or '…'})"
        return text

    def dated(self) -> DatedHours:
        return DatedHours(self.weekday, self.start, self.end, self.valid_from, self.valid_until)


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


class ChangeKind(models.TextChoices):
    HOURS = "hours", "New working hours"
    TIME_OFF = "time_off", "Time off"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class HoursChange(models.Model):
    """A therapist's own proposal: new weekly hours from a date, or time off.

    Nothing changes until a manager approves (`therapists.hours_changes`): approved hours
    become dated `WorkingHours` rows, approved time off a `TimeOff` row. `hours` is a list
    of [weekday, "HH:MM", "HH:MM"] (the whole week from `valid_from`; an empty list means
    no working hours from that date).
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="hour_changes")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    status = models.CharField(
        max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    valid_from = models.DateField(null=True, blank=True)
    hours = models.JSONField(default=list, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_hourschange", "Can approve or decline a therapist's hours")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="hours") & Q(valid_from__isnull=False))
                | (
                    Q(kind="time_off")
                    & Q(start__isnull=False)
                    & Q(end__isnull=False)
                    & Q(start__lt=models.F("end"))
                ),
                name="hours_change_complete",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == ChangeKind.HOURS:
            return f"{self.therapist}: hours from {self.valid_from}"
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.therapist}: time off {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"

    def hour_rows(self) -> list[DatedHours]:
        """The proposed week as dated rows from `valid_from` (open-ended)."""
        return [
            DatedHours(
                int(day), dt.time.fromisoformat(a), dt.time.fromisoformat(b), self.valid_from
            )
            for day, a, b in self.hours
        ]


class CalendarConnection(models.Model):
    """A therapist's own calendar (CalDAV), read for busy times and written with sessions.

    The app password is sealed at rest (AES-GCM, `core.encrypted_fields`). `failing_since`
    is the first failed sync of a run of failures; the therapist and desk are told once it
    is a day old (`alerted_at`).
    """

    therapist = models.OneToOneField(
        Therapist, on_delete=models.CASCADE, related_name="calendar_connection"
    )
    url = models.URLField(max_length=500)
    username = models.CharField(max_length=200)
    password = EncryptedTextField()
    connected_at = models.DateTimeField(default=timezone.now)
    next_sync_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.therapist}: {self.url}"


class ExternalBusy(models.Model):
    """A busy time read from a therapist's own calendar: blocks availability like time off.

    Only the times are kept (never the event's title or notes: it is the therapist's private
    life). Replaced wholesale by each successful sync.
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="external_busy")
    start = models.DateTimeField()
    end = models.DateTimeField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["therapist", "start"]
        verbose_name_plural = "external busy times"
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="external_busy_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.therapist}: busy {start:%Y-%m-%d %H:%M} – {end:%H:%M}"
