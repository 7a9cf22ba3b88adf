"""The manager's figures, computed by the database: one module, one query per figure.

Every figure is an SQL aggregate grouped by week (the ISO week of the local start date,
`TruncWeek` in the clinic's zone) or by therapist, room or service; Python only reshapes the
grouped rows, never loops over appointments. `clinic_report` runs a fixed number of queries
whatever the range (QUERIES), pinned by the tests and timed by `make bench`.

Definitions (also on the page and in docs/reports.md):

- *Booked minutes*: session length (end - start, without the recovery buffer) of every
  appointment that was not cancelled; no-shows count, they held the time.
- *Open minutes*: working hours, minus time off and closed days, per local day. Working
  hours are dated (`therapists.hours`), so each past day counts the hours in force on it.
  A room is open whenever at least one therapist works (the union of all working hours in
  force that day), minus closed days.
- *No-show rate*: no-shows / sessions that were due (not cancelled, started before now).
  *Late cancellation*: cancelled less than BOOKING_CLIENT_CHANGE_CUTOFF_HOURS before the
  start (by staff, since clients cannot); late-cancel rate = late cancellations / bookings.
- *Client*: clients are not yet a verified record (another issue). A person is identified
  by the normalised (trimmed, lower-case) e-mail of the Client row, so one person who booked
  several times with one address is one client. An erased client's address is replaced by a
  unique placeholder, so each of their bookings counts as a separate, new client.
  *Visit*: a booking not cancelled and not a no-show (future bookings are planned visits).
  *New* in a week: their first visit ever is that week; *returning*: an earlier visit exists.
  *Visit-1 to visit-2 retention*: of the clients whose first visit is in the week, those who
  have a second visit (kept or booked) by now.
- *Review wait*: from booking (created) to the first status change of an intake that needed
  clearance (approval, decline, or the client cancelling).
- *Load*: `bookings.workload` (weighted minutes per ISO week against the therapist's budget).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Lower, Trim, TruncWeek
from django.utils import timezone

from bookings import workload
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, ClosedDay, Room
from health.models import IntakeOutcome
from reports.open_minutes import MINUTE, hours_in_force, merge_instants, open_minutes_by_week
from reports.period import Period
from therapists.hours import DatedHours
from therapists.models import Therapist, TimeOff, WorkingHours

# therapists, rooms, working hours, time off, closed days, bookings per therapist, room and
# week (utilisation, load and rates in one scan), clients, services, review waits, the queue
QUERIES = 10

RATE_COUNTS = ("bookings", "cancelled", "late_cancelled", "due", "no_shows")
CANCELLED = AppointmentStatus.CANCELLED
NO_SHOW = AppointmentStatus.NO_SHOW
SESSION = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())


def _minutes(value: dt.timedelta | None) -> int:
    return 0 if value is None else value // MINUTE


def _monday(value, tz: ZoneInfo) -> dt.date:
    """A `TruncWeek` value as its local Monday: the ORM gives aware datetimes in `tz`; a raw
    cursor gives the naive local timestamp (PostgreSQL) or its text (SQLite)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(tz).date()
    return dt.date.fromisoformat(str(value)[:10])


def _percent(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


# --- Rows ----------------------------------------------------------------------------------


@dataclass
class Utilisation:
    """Booked against open minutes for a therapist, a room or the clinic (week None: range)."""

    name: str
    week: dt.date | None
    open_minutes: int = 0
    booked_minutes: int = 0
    sessions: int = 0

    @property
    def percent(self) -> float | None:
        return _percent(self.booked_minutes, self.open_minutes)


@dataclass
class Load:
    """A therapist's weighted weekly load against their budget."""

    name: str
    budget_minutes: int
    weekly: dict[dt.date, int] = field(default_factory=dict)  # Monday -> centi-minutes
    weeks: int = 1

    @property
    def average_minutes(self) -> int:
        return workload.as_minutes(sum(self.weekly.values()) // max(self.weeks, 1))

    @property
    def peak_minutes(self) -> int:
        return workload.as_minutes(max(self.weekly.values(), default=0))

    @property
    def peak_week(self) -> dt.date | None:
        return max(self.weekly, key=self.weekly.get) if self.weekly else None

    @property
    def weeks_over(self) -> int:
        budget = workload.budget_load(self.budget_minutes)
        return sum(1 for load in self.weekly.values() if load > budget)

    @property
    def peak_percent(self) -> float | None:
        return _percent(self.peak_minutes, self.budget_minutes)


@dataclass
class Rates:
    week: dt.date
    bookings: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    due: int = 0
    no_shows: int = 0

    @property
    def no_show_percent(self) -> float | None:
        return _percent(self.no_shows, self.due)

    @property
    def late_cancel_percent(self) -> float | None:
        return _percent(self.late_cancelled, self.bookings)


@dataclass
class Clients:
    week: dt.date
    clients: int = 0
    new: int = 0
    came_back: int = 0  # of the new ones: a second visit by now

    @property
    def returning(self) -> int:
        return self.clients - self.new

    @property
    def retention_percent(self) -> float | None:
        return _percent(self.came_back, self.new)


@dataclass
class ServiceLine:
    style: str
    service: str
    bookings: int
    cancelled: int
    no_shows: int
    kept: int
    kept_minutes: int
    value: Decimal  # list price of kept sessions


@dataclass
class ReviewWait:
    week: dt.date
    needed_review: int = 0
    decided: int = 0
    average_hours: float | None = None
    longest_hours: float | None = None


@dataclass
class ClinicReport:
    period: Period
    therapist_weeks: list[Utilisation]
    therapists: list[Utilisation]
    room_weeks: list[Utilisation]
    rooms: list[Utilisation]
    clinic_weeks: list[Utilisation]
    clinic: Utilisation
    loads: list[Load]
    rates: list[Rates]
    rates_total: Rates
    clients: list[Clients]
    clients_total: Clients
    services: list[ServiceLine]
    styles: list[ServiceLine]
    reviews: list[ReviewWait]
    waiting_now: int
    oldest_waiting_hours: float | None

    @property
    def oldest_waiting(self) -> str:
        """How long the oldest intake in the queue has waited, in words."""
        hours = self.oldest_waiting_hours
        if hours is None:
            return ""
        return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.0f} days"


# --- The report ------------------------------------------------------------------------------


@dataclass
class _Calendar:
    """Who and what could be booked in the period: therapists and rooms, working hours
    (per therapist and, for the rooms, all together), time off and closed days."""

    therapists: list[tuple]
    rooms: list[tuple]
    hours: list[DatedHours]
    hours_by_therapist: dict[int, list[DatedHours]]
    away: dict[int, list]
    closed: set[dt.date]


@dataclass
class _Booked:
    """The period's appointments added up per (therapist, week), (room, week) and week."""

    by_therapist: dict[tuple[int, dt.date], dict[str, int]]
    by_room: dict[tuple[int, dt.date], dict[str, int]]
    rates_by_week: dict[dt.date, Rates]


def clinic_report(period: Period, *, now: dt.datetime | None = None) -> ClinicReport:
    """Every figure of the manager's report for `period`, in QUERIES queries."""
    now = now or timezone.now()
    calendar = _calendar(period)
    booked = _booked(period, now)
    therapist_weeks, therapist_totals, loads, clinic_weeks = _therapist_utilisation(
        calendar, booked, period
    )
    clinic_total = Utilisation("Clinic", None)
    for line in clinic_weeks.values():
        _add_to(clinic_total, line)
    room_weeks, room_totals = _room_utilisation(calendar, booked, period)
    rates = list(booked.rates_by_week.values())
    rates_total = Rates(period.first_monday)
    for week in rates:
        for name in RATE_COUNTS:
            setattr(rates_total, name, getattr(rates_total, name) + getattr(week, name))
    clients, clients_total = _clients(period)
    services, styles = _services(period)
    reviews, waiting_now, oldest = _reviews(period, now)
    return ClinicReport(
        period=period,
        therapist_weeks=therapist_weeks,
        therapists=therapist_totals,
        room_weeks=room_weeks,
        rooms=room_totals,
        clinic_weeks=list(clinic_weeks.values()),
        clinic=clinic_total,
        loads=loads,
        rates=rates,
        rates_total=rates_total,
        clients=clients,
        clients_total=clients_total,
        services=services,
        styles=styles,
        reviews=reviews,
        waiting_now=waiting_now,
        oldest_waiting_hours=oldest,
    )


def _add_to(total: Utilisation, line: Utilisation) -> None:
    total.open_minutes += line.open_minutes
    total.booked_minutes += line.booked_minutes
    total.sessions += line.sessions


def _calendar(period: Period) -> _Calendar:
    therapists = list(
        Therapist.objects.order_by("display_name").values_list(
            "id", "display_name", "active", "weekly_load_minutes"
        )
    )
    rooms = list(Room.objects.order_by("name").values_list("id", "name", "active"))
    hours: list[DatedHours] = []
    hours_by_therapist: dict[int, list[DatedHours]] = defaultdict(list)
    for therapist_id, *row in WorkingHours.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=period.last_sunday),
        Q(valid_until__isnull=True) | Q(valid_until__gte=period.first_monday),
        therapist__active=True,
    ).values_list("therapist_id", "weekday", "start", "end", "valid_from", "valid_until"):
        hours_by_therapist[therapist_id].append(DatedHours(*row))
        hours.append(DatedHours(*row))
    away: dict[int, list] = defaultdict(list)
    for therapist_id, start, end in TimeOff.objects.filter(
        start__lt=period.end, end__gt=period.start
    ).values_list("therapist_id", "start", "end"):
        away[therapist_id].append((start, end))
    closed = set(
        ClosedDay.objects.filter(
            date__gte=period.first_monday, date__lte=period.last_sunday
        ).values_list("date", flat=True)
    )
    return _Calendar(therapists, rooms, hours, hours_by_therapist, away, closed)


def _booked(period: Period, now: dt.datetime) -> _Booked:
    """One scan of the period's appointments, grouped by therapist, room and week: a few
    thousand groups at most, which Python adds up into the therapist, room and week tables."""
    tz = period.tz
    held = ~Q(status=CANCELLED)
    cutoff = dt.timedelta(hours=settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS)
    groups = (
        Appointment.objects.filter(start__gte=period.start, start__lt=period.end)
        # A LEFT JOIN, not a subquery per row: a cancelled appointment has one cancel event,
        # so the join adds no rows (and a per-row subplan would make PostgreSQL's planner
        # estimate the query costly enough to JIT-compile it).
        .annotate(
            week=TruncWeek("start", tzinfo=tz),
            late_cancel=FilteredRelation(
                "events",
                condition=Q(
                    events__kind=AppointmentEvent.Kind.CANCELLED,
                    events__at__gte=F("start") - cutoff,
                ),
            ),
        )
        .values("therapist_id", "room_id", "week")
        .annotate(
            minutes=Sum(SESSION, filter=held),
            sessions=Count("pk", filter=held),
            load=Sum(workload.load_expression(F("end") - F("start")), filter=held),
            bookings=Count("pk"),
            cancelled=Count("pk", filter=Q(status=CANCELLED)),
            late_cancelled=Count("pk", filter=Q(status=CANCELLED, late_cancel__isnull=False)),
            due=Count("pk", filter=held & Q(start__lt=now)),
            no_shows=Count("pk", filter=Q(status=NO_SHOW)),
        )
        .order_by()
    )
    booked = _Booked(
        by_therapist=defaultdict(lambda: {"minutes": 0, "sessions": 0, "load": 0}),
        by_room=defaultdict(lambda: {"minutes": 0, "sessions": 0}),
        rates_by_week={m: Rates(m) for m in period.mondays},
    )
    for row in groups:
        monday = _monday(row["week"], tz)
        minutes, sessions = _minutes(row["minutes"]), row["sessions"]
        therapist_sums = booked.by_therapist[(row["therapist_id"], monday)]
        therapist_sums["minutes"] += minutes
        therapist_sums["sessions"] += sessions
        therapist_sums["load"] += _minutes(row["load"])
        room_sums = booked.by_room[(row["room_id"], monday)]
        room_sums["minutes"] += minutes
        room_sums["sessions"] += sessions
        rates = booked.rates_by_week[monday]
        for name in RATE_COUNTS:
            setattr(rates, name, getattr(rates, name) + row[name])
    return booked


def _therapist_utilisation(calendar: _Calendar, booked: _Booked, period: Period):
    """Utilisation per therapist and week, per therapist over the range, per week overall,
    and each therapist's load."""
    mondays = period.mondays
    therapist_weeks, therapist_totals, loads = [], [], []
    clinic_weeks = {m: Utilisation("Clinic", m) for m in mondays}
    booked_therapists = {tid for tid, _ in booked.by_therapist}
    for therapist_id, name, active, budget in calendar.therapists:
        if not active and therapist_id not in booked_therapists:
            continue
        rows = calendar.hours_by_therapist.get(therapist_id, [])
        open_by_week = open_minutes_by_week(
            partial(hours_in_force, rows),
            merge_instants(calendar.away.get(therapist_id, [])),
            calendar.closed,
            period,
        )
        total = Utilisation(name, None)
        load = Load(name, budget, weeks=len(mondays))
        for monday in mondays:
            row = booked.by_therapist.get((therapist_id, monday), {})
            line = Utilisation(
                name,
                monday,
                open_minutes=open_by_week.get(monday, 0),
                booked_minutes=row.get("minutes", 0),
                sessions=row.get("sessions", 0),
            )
            if row.get("sessions"):
                load.weekly[monday] = row["load"]
            therapist_weeks.append(line)
            _add_to(total, line)
            _add_to(clinic_weeks[monday], line)
        therapist_totals.append(total)
        loads.append(load)
    return therapist_weeks, therapist_totals, loads, clinic_weeks


def _room_utilisation(calendar: _Calendar, booked: _Booked, period: Period):
    """Rooms: open whenever anyone works (union of all working hours), minus closed days."""
    clinic_open = open_minutes_by_week(
        partial(hours_in_force, calendar.hours), [], calendar.closed, period
    )
    booked_rooms = {rid for rid, _ in booked.by_room}
    room_weeks, room_totals = [], []
    for room_id, name, active in calendar.rooms:
        if not active and room_id not in booked_rooms:
            continue
        total = Utilisation(name, None)
        for monday in period.mondays:
            row = booked.by_room.get((room_id, monday), {})
            line = Utilisation(
                name,
                monday,
                open_minutes=clinic_open.get(monday, 0),
                booked_minutes=row.get("minutes", 0),
                sessions=row.get("sessions", 0),
            )
            room_weeks.append(line)
            _add_to(total, line)
        room_totals.append(total)
    return room_weeks, room_totals


def _clients(period: Period) -> tuple[list[Clients], Clients]:
    """New and returning clients and visit-1 to visit-2 retention per week, in one query.

    The inner query (the ORM, so time zones and quoting are the backend's) lists every visit
    with its person and week; the outer one finds each person's first visit and visit count
    over the clinic's whole history (GROUP BY person), then groups the period's visits by
    week and person, then by week: hash aggregates only, no sort of the whole history.
    Clients are identified by normalised e-mail.
    """
    tz = period.tz
    visits = (
        Appointment.objects.exclude(status__in=[CANCELLED, NO_SHOW])
        .annotate(person=Lower(Trim("client__email")), week=TruncWeek("start", tzinfo=tz))
        .values("person", "week", "start")
        .order_by()
    )
    inner_sql, inner_params = visits.query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"""
        WITH visits AS ({inner_sql}),
        people AS (
            SELECT person, MIN(start) AS first_start, COUNT(*) AS visits
            FROM visits GROUP BY person
        ),
        weekly AS (
            SELECT v.week, v.person,
                   MAX(CASE WHEN v.start = p.first_start THEN 1 ELSE 0 END) AS is_new,
                   MAX(CASE WHEN p.visits >= 2 THEN 1 ELSE 0 END) AS came_back
            FROM visits v JOIN people p ON p.person = v.person
            WHERE v.start >= %s AND v.start < %s
            GROUP BY v.week, v.person
        )
        SELECT week, COUNT(*), SUM(is_new), SUM(is_new * came_back)
        FROM weekly GROUP BY week
    """  # noqa: S608 - the inner SQL is the ORM's own, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, adapt(period.start), adapt(period.end)])
        rows = cursor.fetchall()
    by_week = {
        _monday(week, tz): Clients(_monday(week, tz), clients, new, came_back or 0)
        for week, clients, new, came_back in rows
    }
    weeks = [by_week.get(m, Clients(m)) for m in period.mondays]
    total = Clients(period.first_monday)
    for week in weeks:
        total.new += week.new
        total.came_back += week.came_back
    # Distinct clients over the range are not the sum of weekly ones, so the total row has
    # new clients and retention only (`clients` stays 0 there).
    return weeks, total


def _services(period: Period) -> tuple[list[ServiceLine], list[ServiceLine]]:
    """Bookings by service (one grouped query); styles are sums of their services."""
    kept = ~Q(status__in=[CANCELLED, NO_SHOW])
    rows = (
        Appointment.objects.filter(start__gte=period.start, start__lt=period.end)
        .values("service__style__name", "service__name", "service__duration_minutes")
        .annotate(
            bookings=Count("pk"),
            cancelled=Count("pk", filter=Q(status=CANCELLED)),
            no_shows=Count("pk", filter=Q(status=NO_SHOW)),
            kept=Count("pk", filter=kept),
            kept_minutes=Sum(SESSION, filter=kept),
            value=Sum("service__price", filter=kept),
        )
        .order_by("service__style__name", "service__duration_minutes", "service__name")
    )
    services = [
        ServiceLine(
            style=row["service__style__name"],
            service=row["service__name"],
            bookings=row["bookings"],
            cancelled=row["cancelled"],
            no_shows=row["no_shows"],
            kept=row["kept"],
            kept_minutes=_minutes(row["kept_minutes"]),
            value=row["value"] or Decimal("0.00"),
        )
        for row in rows
    ]
    styles: dict[str, ServiceLine] = {}
    for line in services:
        style = styles.setdefault(
            line.style, ServiceLine(line.style, line.style, 0, 0, 0, 0, 0, Decimal("0.00"))
        )
        for name in ("bookings", "cancelled", "no_shows", "kept", "kept_minutes", "value"):
            setattr(style, name, getattr(style, name) + getattr(line, name))
    return services, list(styles.values())


def _hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


def _reviews(period: Period, now: dt.datetime) -> tuple[list[ReviewWait], int, float | None]:
    """How long intakes that needed clearance waited, by week booked; and the queue now."""
    tz = period.tz
    decided_at = Subquery(
        AppointmentEvent.objects.filter(
            appointment=OuterRef("pk"),
            kind__in=[AppointmentEvent.Kind.STATUS, AppointmentEvent.Kind.CANCELLED],
        )
        .order_by("at")
        .values("at")[:1]
    )
    wait = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    rows = (
        Appointment.objects.filter(
            intake__outcome=IntakeOutcome.NEEDS_CLEARANCE,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .annotate(week=TruncWeek("created_at", tzinfo=tz), decided_at=decided_at)
        .values("week")
        .annotate(
            needed_review=Count("pk"),
            decided=Count("decided_at"),
            average=Avg(wait),
            longest=Max(wait),
        )
        .order_by()
    )
    by_week = {
        _monday(row["week"], tz): ReviewWait(
            _monday(row["week"], tz),
            row["needed_review"],
            row["decided"],
            _hours(row["average"]),
            _hours(row["longest"]),
        )
        for row in rows
    }
    queue = Appointment.objects.filter(status=AppointmentStatus.PENDING_REVIEW).aggregate(
        waiting=Count("pk"), oldest=Min("created_at")
    )
    oldest = None if queue["oldest"] is None else _hours(now - queue["oldest"])
    return [by_week.get(m, ReviewWait(m)) for m in period.mondays], queue["waiting"], oldest
