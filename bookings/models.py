"""Styles, services, rooms, appointments, their history, series, reminders, closed days.

The appointment table carries the clinic's hardest promise: no therapist and no room is
ever booked twice. On PostgreSQL two exclusion constraints enforce it over the *occupied*
interval (session plus recovery/turnover buffer) of every appointment that is not
cancelled; `bookings.services` checks the same rule first so clients get a friendly answer.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.constraints import PostgresExclusionConstraint, TsTzRange
from clients.models import Client
from core import tokens
from core.clock import local_midnight
from core.encrypted_fields import EncryptedJSONField, EncryptedTextField
from health.models import Intake, Pressure
from policy import rules
from therapists.models import CredentialKind, Therapist


class Style(models.Model):
    """A style of Ashiatsu (`floor` or `bar`) and the certification it requires."""

    FLOOR = "floor"
    BAR = "bar"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    required_credential = models.CharField(
        max_length=32,
        choices=CredentialKind.choices,
        help_text="The certification a therapist needs, besides a massage licence.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """What a client books: a style for a duration at a price."""

    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    active = models.BooleanField(default=True)
    allows_series = models.BooleanField(
        "Clients may book a series",
        default=False,
        help_text="Signed-in clients may book this service as a treatment plan (N sessions "
        "every K weeks with the same therapist). Staff may book a series of any service.",
    )

    class Meta:
        ordering = ["style__name", "duration_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15) & Q(duration_minutes__lte=240),
                name="service_duration_15_to_240_minutes",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)


class Room(models.Model):
    """A treatment room; a bar room has overhead bars over a table, a floor room a mat."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(unique=True)
    styles = models.ManyToManyField(Style, related_name="rooms")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AppointmentStatus(models.TextChoices):
    # Held for the client while a required deposit is paid (issue 16); it holds the slot like
    # every status but cancelled, and the payments sweep cancels it when the hold runs out.
    AWAITING_DEPOSIT = "awaiting_deposit", _("Awaiting deposit")
    PENDING_REVIEW = "pending_review", _("Pending review")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Crockford's base32 without I, L, O, U: easy to read aloud on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8  # 32**8 ≈ 10**12: unguessable enough for a lookup that also needs a token


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def is_reference(value: str) -> bool:
    """Whether `value` has the shape of a booking reference (checked before any query)."""
    return len(value) == REFERENCE_LENGTH and all(ch in REFERENCE_ALPHABET for ch in value)


def hash_manage_token(token: str) -> str:
    return tokens.token_hash(token)


class BookingProof(models.TextChoices):
    MAILBOX = "mailbox", "A link e-mailed to the booking's address was opened"
    SIGNED_IN = "signed_in", "Booked while signed in as the address's client"
    CLINIC = "clinic", "The clinic merged it into the client's record"


class AppointmentQuerySet(models.QuerySet):
    def proven(self):
        """Bookings the address's holder stands behind (`BookingProof`)."""
        return self.exclude(proven_by="")

    def active(self):
        """Appointments that hold their time: everything but cancelled (SPEC: only
        `cancelled` frees the slot)."""
        return self.exclude(status=AppointmentStatus.CANCELLED)

    def for_therapist(self, therapist: Therapist | int):
        return self.filter(therapist=therapist)

    def overlapping(self, start: dt.datetime, end: dt.datetime):
        """Appointments whose occupied interval [start, occupied_until) meets [start, end)."""
        return self.filter(start__lt=end, occupied_until__gt=start)

    def starting_on_local_days(self, first_day: dt.date, days: int):
        """Appointments starting on the clinic's local dates [first_day, first_day + days)."""
        return self.filter(
            start__gte=local_midnight(first_day),
            start__lt=local_midnight(first_day + dt.timedelta(days=days)),
        )

    def with_first_visit(self):
        """Annotate `first_visit`: the client record has no earlier appointment that holds
        its time (any therapist). The record, never the e-mail address (issue #13): anyone
        can book under anyone's address, and a therapist must not learn that someone else
        came before; rows become one record only when the address is confirmed or staff
        merge them (bookings/clients.py). A subquery, so still one query."""
        earlier = self.model.objects.active().filter(
            client_id=OuterRef("client_id"), start__lt=OuterRef("start")
        )
        return self.annotate(first_visit=~Exists(earlier))

    def history_of(self, appointment: "Appointment", *, before: dt.datetime):
        """The client's other sessions that hold their time, started before `before` and
        before this one, newest first. Same client record only, never by e-mail address:
        anyone can book under anyone's address (see the portal's `_past_sessions`)."""
        return (
            self.active()
            .filter(client_id=appointment.client_id, start__lt=min(appointment.start, before))
            .exclude(pk=appointment.pk)
            .order_by("-start")
        )


NOT_CANCELLED = ~Q(status=AppointmentStatus.CANCELLED)
OCCUPIED_RANGE = TsTzRange("start", "occupied_until", RangeBoundary())


class Appointment(models.Model):
    """A booked session. `occupied_until` is `end` plus the therapist's buffer: the time
    during which neither the therapist nor the room can take another client."""

    reference = models.CharField(max_length=REFERENCE_LENGTH, unique=True, default=new_reference)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    intake = models.OneToOneField(Intake, on_delete=models.PROTECT, related_name="appointment")
    start = models.DateTimeField()
    end = models.DateTimeField()
    occupied_until = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.CONFIRMED
    )
    manage_token_hash = models.CharField(max_length=64, editable=False)
    # The language the client booked in: every e-mail about this booking, reminders the
    # worker sends a day ahead included, is written in it.
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language the client booked in; their e-mails are written in it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Proof that the holder of the booking's address stands behind it (bookings/clients.py):
    # only a proven booking joins a signed-in client's record or pre-fills their next intake.
    proven_at = models.DateTimeField(null=True, blank=True, editable=False)
    proven_by = models.CharField(
        max_length=20, choices=BookingProof.choices, blank=True, editable=False
    )
    booked_by_staff = models.BooleanField(
        default=False,
        editable=False,
        help_text="Booked on the public pages by a signed-in staff member or therapist: "
        "never joins a client's record by itself (staff may still merge it).",
    )
    treatment_plan = models.ForeignKey(
        "TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="appointments",
        help_text="The series (bookings/series.py) this session was booked in, if any.",
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["therapist", "start"]),
            models.Index(fields=["room", "start"]),
            models.Index(fields=["start", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="appointment_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(end__lte=F("occupied_until")),
                name="appointment_buffer_not_negative",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_therapist_overlap",
                expressions=[
                    (OCCUPIED_RANGE, RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=NOT_CANCELLED,
                violation_error_message="The therapist is already booked at this time.",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_room_overlap",
                expressions=[
                    (OCCUPIED_RANGE, RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=NOT_CANCELLED,
                violation_error_message="The room is already booked at this time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.client} with {self.therapist} at {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def set_manage_token(self) -> str:
        """Give the appointment a fresh manage token; return it (only its hash is kept)."""
        token = tokens.token_new()
        self.manage_token_hash = tokens.token_hash(token)
        return token

    def manage_token_matches(self, token: str) -> bool:
        return tokens.token_matches(self.manage_token_hash, token)

    PAY_DEPOSIT = "pay-deposit"

    @property
    def pay_token(self) -> str:
        """The deposit page's token: it can pay this booking's deposit and nothing else
        (that page runs Stripe.js, so it never carries the manage token)."""
        return tokens.purpose_token(self.PAY_DEPOSIT, self.reference)

    def pay_token_matches(self, token: str) -> bool:
        return tokens.purpose_token_matches(self.PAY_DEPOSIT, self.reference, token)

    @property
    def holds_time(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED

    @property
    def is_changeable(self) -> bool:
        """Only bookings that have not happened yet can be cancelled or moved."""
        return self.status in (
            AppointmentStatus.AWAITING_DEPOSIT,
            AppointmentStatus.PENDING_REVIEW,
            AppointmentStatus.CONFIRMED,
        )

    def client_change_deadline(self) -> dt.datetime:
        return self.start - dt.timedelta(hours=rules.client_change_cutoff_hours())

    def client_can_change(self, now: dt.datetime) -> bool:
        """Clients may cancel or reschedule themselves until the cut-off (24 h by default):
        after that the therapist's day is planned and only staff may change it."""
        return self.is_changeable and now < self.client_change_deadline()


NOTE_MAX_LENGTH = 2000


class SessionNote(models.Model):
    """What the therapist did and how the client responded; kept with the appointment."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    work_done = EncryptedTextField(
        "What was done",
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    pressure_used = models.CharField(max_length=10, choices=Pressure.choices)
    client_response = EncryptedTextField(
        "Client's response",
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )

    class Meta:
        ordering = ["appointment", "created_at"]

    def __str__(self) -> str:
        return f"Note on {self.appointment.reference} by {self.author}"


class AppointmentEvent(models.Model):
    """One line of an appointment's history: who did what, when. Its `details` may carry the
    reviewer's note to the client, so they are encrypted at rest."""

    class Kind(models.TextChoices):
        CREATED = "created", "Booked"
        RESCHEDULED = "rescheduled", "Moved"
        CANCELLED = "cancelled", "Cancelled"
        STATUS = "status", "Status changed"
        NOTE = "note", "Note"
        MERGED = "merged", "Client records merged"
        # Issue #13: the client re-confirmed the intake (link) or told the desk nothing changed.
        RECONFIRMED = "reconfirmed", "Intake re-confirmed"
        SERIES = "series", "Joined a treatment plan"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the client acted through the manage link.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    staff_override = models.BooleanField(
        default=False, help_text="Staff acted inside the window in which clients may not."
    )
    # The reviewer's note to the client can name a condition: kept encrypted like the intake.
    details = EncryptedJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment.reference}: {self.get_kind_display()} at {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class TreatmentPlan(models.Model):
    """A series booked in one go: `session_count` sessions every `interval_weeks` weeks with
    the same therapist, at the same clinic wall time (bookings/series.py). Clients who come
    back on a rhythm keep their therapist and their time; the plan links the sessions so
    the series can be cancelled as one (its future sessions) while its past stays."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_plans")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, related_name="treatment_plans"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="treatment_plans")
    interval_weeks = models.PositiveSmallIntegerField()
    session_count = models.PositiveSmallIntegerField()
    first_start = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the signed-in client booked the series themselves.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_weeks__gte=1) & Q(interval_weeks__lte=8),
                name="treatment_plan_interval_1_to_8_weeks",
            ),
            models.CheckConstraint(
                condition=Q(session_count__gte=2) & Q(session_count__lte=12),
                name="treatment_plan_2_to_12_sessions",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.session_count} × {self.service.name} every {self.interval_weeks} week(s) "
            f"with {self.therapist} for {self.client}"
        )


class ClosedDay(models.Model):
    """A date on which the whole clinic is closed (public holiday, maintenance)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", "Reminder before the session"
    # Issue #13: "has anything changed?" `RECONFIRM_DAYS_BEFORE` days before the session.
    RECONFIRM = "reconfirm", "Has anything changed? (intake re-confirmation)"


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


class ScheduleVersion(models.Model):
    """One row whose `token` changes whenever anything availability depends on changes.

    Database triggers (migration 0005) replace the token in the same statement as every
    insert, update or delete of appointments, waitlist offers, therapists, working hours,
    time off, credentials, rooms and their styles, services, styles and closed days, so
    every write path (services, admin, shell, bulk updates) moves it, and it commits or
    rolls back with the change. Cached availability is keyed by it
    (`bookings.schedule_cache`), so a cached answer is never older than the calendar.
    A random token rather than a counter: if the row is ever deleted (a test's TRUNCATE),
    no old key can come back.
    """

    token = models.CharField(max_length=40)
    # Replaced only by writes to the slowly changing tables (not appointments or holds): it
    # keys the in-memory catalog of `bookings.schedule_catalog` (triggers since 0010). NULL
    # until the first such write: nullable so that SQLite adds the column in place instead
    # of rebuilding a table other tables' triggers write to.
    config_token = models.CharField(max_length=40, null=True)  # noqa: DJ001

    def __str__(self) -> str:
        return self.token
