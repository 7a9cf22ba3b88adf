"""Load what availability needs for a window, in a fixed number of queries.

Deciding is `bookings.availability` (pure); this module only gathers plain values for it:
therapists with their working hours, verified credentials and time off, every appointment
and hold (open waitlist offers, asked through `bookings.occupancy`) that occupies the
window (for therapists *and* rooms), rooms with their styles, and closed days. Two queries
whatever the number of therapists, days or appointments while the schedule catalog stands
(`bookings.schedule_catalog`: the token, then appointments and holds in one UNION), reading
plain values (no model instances, so no lazy load can add a query).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import CharField, F, Q, QuerySet, Value
from django.utils import timezone

from bookings import availability, occupancy, schedule_catalog, workload
from bookings.models import Appointment, Room, Service
from therapists.models import Therapist


def clinic_rules(*, min_notice: dt.timedelta | None = None) -> availability.Rules:
    """The scheduling rules of the spec, as configured in settings."""
    return availability.Rules(
        tz=ZoneInfo(settings.CLINIC_TIME_ZONE),
        grid=dt.timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES),
        min_notice=(
            dt.timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES)
            if min_notice is None
            else min_notice
        ),
        horizon=dt.timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def last_bookable_day(today: dt.date) -> dt.date:
    """The furthest local date a client may book (or wait for): `BOOKING_HORIZON_DAYS` on."""
    return today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def service_spec(service: Service) -> availability.ServiceSpec:
    return availability.ServiceSpec(
        style=service.style.slug,
        required_credential=service.style.required_credential,
        duration=service.duration,
        load=workload.session_load(service.duration_minutes, service.style.slug),
    )


@dataclass(frozen=True)
class Window:
    """Everything `availability.free_slots` needs besides the service, `now` and the rules.

    `rows_read` counts the appointment and offer rows the loader read: the benchmark shows
    that a single therapist's window does not read the whole clinic's calendar.
    """

    therapists: list[availability.TherapistSchedule]
    rooms: list[availability.RoomSchedule]
    closed_days: frozenset[dt.date]
    first_day: dt.date
    days: int
    rows_read: int = 0


def load_window(
    *,
    first_day: dt.date,
    days: int,
    therapists: Iterable[Therapist] | None = None,
    tz: ZoneInfo,
    ignore_appointment_id: int | None = None,
    ignore_hold: occupancy.Hold | None = None,
    listing: availability.ServiceSpec | None = None,
) -> Window:
    """Gather the schedules of local dates first_day .. first_day + days - 1.

    `therapists` limits whose schedules are built (all active ones by default); room
    occupancy counts every appointment. `ignore_appointment_id` leaves one appointment out,
    so an appointment being moved does not block its own new time.

    A hold (an open waitlist offer, through `bookings.occupancy`) occupies its slot like an
    appointment (therapist, room and daily cap) until it expires; `ignore_hold` lets the
    hold's own client book it.

    `listing` (the service being offered) is for *listing* free times only: the window then
    has only the rooms equipped for its style, and of other therapists' appointments only
    those in such rooms that could matter (see `_occupancy`). Whether a start is free stays
    exact; the room a listed slot names may differ from the one a booking would get, which
    is why the booking services load without it.

    Values, not model instances (`values_list`): a window reads thousands of rows.

    Appointments and holds are read for whole ISO weeks around the window (same query), so
    each therapist's weekly load (`bookings.workload`) is complete even for a one-day window.
    A hold counts its occupied time less the therapist's buffer, at weight 100 (holds do not
    say their style).
    """
    window_start = dt.datetime.combine(first_day, dt.time(), tz)
    window_end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(), tz)
    read_start, read_end = _read_span(first_day, days, tz, window_start, window_end)

    known = schedule_catalog.catalog(first_day=first_day, tz=tz)
    wanted = None if therapists is None else {t.pk for t in therapists}
    team = [m for m in known.team if wanted is None or m.id in wanted]
    ids = [member.id for member in team]

    buffers = {m.id: m.buffer_minutes * _MINUTE_US for m in team}
    rows = _occupancy(
        read_start=read_start,
        read_end=read_end,
        now=timezone.now(),
        ignore_appointment_id=ignore_appointment_id,
        ignore_hold=ignore_hold,
        listing=listing,
        team=ids,
        whole_team=therapists is None,
        reach=max((m.buffer_minutes for m in team), default=0),
    )
    busy = _busy(rows, tz=tz, buffers=buffers)

    last_day = first_day + dt.timedelta(days=days)
    closed = frozenset(d for d in known.closed_days if first_day <= d < last_day)
    return Window(
        therapists=_therapist_schedules(team, known, busy, first_day, window_start, window_end),
        rooms=[
            availability.RoomSchedule(
                id=room_id, styles=frozenset(styles), busy=busy.by_room[room_id]
            )
            for room_id, styles in known.room_styles.items()
            if listing is None or listing.style in styles
        ],
        closed_days=closed,
        first_day=first_day,
        days=days,
        rows_read=len(rows),
    )


def _read_span(
    first_day: dt.date, days: int, tz: ZoneInfo, window_start: dt.datetime, window_end: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The instants whose appointments and holds the window needs: the window, a margin
    (an appointment begun before midnight can still occupy the first morning), and the
    whole ISO weeks (Monday to Sunday, local dates) the weekly load budget counts."""
    margin = dt.timedelta(hours=12)
    load_first = workload.iso_monday(first_day)
    load_end = workload.iso_monday(first_day + dt.timedelta(days=days - 1)) + dt.timedelta(days=7)
    read_start = min(window_start - margin, dt.datetime.combine(load_first, dt.time(), tz))
    read_end = max(window_end + margin, dt.datetime.combine(load_end, dt.time(), tz))
    return read_start, read_end


@dataclass
class _Busy:
    """The occupancy rows added up: busy intervals per therapist and room, sessions per
    therapist and local day, weighted load per therapist and ISO week."""

    by_therapist: dict[int, list[availability.Interval]]
    by_room: dict[int, list[availability.Interval]]
    sessions: dict[int, dict[dt.date, int]]
    loads: dict[int, dict[dt.date, int]]


def _busy(rows, *, tz: ZoneInfo, buffers: Mapping[int, int]) -> _Busy:
    busy_by_therapist: dict[int, list[availability.Interval]] = defaultdict(list)
    busy_by_room: dict[int, list[availability.Interval]] = defaultdict(list)
    sessions: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    loads: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    local_days: dict[int, tuple[dt.date, dt.date]] = {}  # many sessions share a start
    for therapist_id, room_id, start, occupied_until, end, style_slug in rows:
        interval = availability.Interval.of_us(start, occupied_until)
        busy_by_therapist[therapist_id].append(interval)
        busy_by_room[room_id].append(interval)
        days_of = local_days.get(start)
        if days_of is None:
            local_day = interval.start.astimezone(tz).date()
            days_of = local_days[start] = (local_day, workload.iso_monday(local_day))
        sessions[therapist_id][days_of[0]] += 1
        if not style_slug:  # a hold: its occupied time is session plus buffer
            end -= buffers.get(therapist_id, 0)
        loads[therapist_id][days_of[1]] += workload.session_load(
            (end - start) // _MINUTE_US, style_slug
        )
    return _Busy(busy_by_therapist, busy_by_room, sessions, loads)


def _therapist_schedules(
    team, known, busy: _Busy, first_day: dt.date, window_start: dt.datetime, window_end: dt.datetime
) -> list[availability.TherapistSchedule]:
    """Each therapist's schedule for the window: hours, time off, what is booked, the
    credentials valid from the first day, and the daily and weekly limits."""
    return [
        availability.TherapistSchedule(
            id=m.id,
            slug=m.slug,
            weekly_hours=dict(known.weekly_hours.get(m.id, {})),
            dated_hours=[h for h in known.dated_hours.get(m.id, ()) if h.reaches(first_day)],
            time_off=known.time_off_between(m.id, window_start, window_end),
            busy=busy.by_therapist[m.id],
            sessions_per_day=dict(busy.sessions[m.id]),
            credentials=known.credentials_from(m.id, first_day),
            daily_cap=m.daily_cap,
            buffer=dt.timedelta(minutes=m.buffer_minutes),
            load_per_week=dict(busy.loads[m.id]),
            weekly_budget=workload.budget_load(m.weekly_load_minutes),
        )
        for m in team
    ]


_MINUTE_US = 60_000_000
# A timestamptz as integer microseconds since the epoch, what `availability` computes in:
# converting hundreds of rows to datetimes in Python was a third of the loader's time.
_US = "(extract(epoch FROM {0}) * 1000000)::bigint"
_ROW = ", ".join(
    (
        "h.therapist_id",
        "h.room_id",
        _US.format("h.start"),
        _US.format("h.occupied_until"),
        _US.format("h.load_end"),
        "h.load_style",
    )
)


@dataclass(frozen=True)
class _Ignored:
    """The hold a booking takes over, as `occupancy.hold_querysets` wants it."""

    source: str
    pk: int


def _occupied(values: Mapping[str, Any], *, shape: tuple, only: Q | None = None) -> QuerySet:
    """Appointments and holds occupying [values["start"], values["end"]) as one UNION ALL
    of rows (`occupancy.COLUMNS`, then the load's end and style; "" for a hold); `only`
    narrows every part (a UNION cannot be filtered afterwards)."""
    _listing, leave_appointment, hold_source = shape
    occupied = Appointment.objects.active().filter(
        start__lt=values["end"], occupied_until__gt=values["start"]
    )
    if only is not None:
        occupied = occupied.filter(only)
    if leave_appointment:
        occupied = occupied.exclude(pk=values["appointment"])
    held = occupancy.hold_querysets(
        start=values["start"],
        end=values["end"],
        now=values["now"],
        ignore=_Ignored(hold_source, values["hold"]) if hold_source else None,
    )
    appointments = (
        occupied.order_by()
        .values_list(*occupancy.COLUMNS)
        .annotate(load_end=F("end"), load_style=F("service__style__slug"))
    )
    holds = [
        (h if only is None else h.filter(only))
        .order_by()
        .annotate(load_end=F("occupied_until"), load_style=Value("", output_field=CharField()))
        for h in held
    ]
    return appointments.union(*holds, all=True)


def _occupancy(
    *,
    read_start: dt.datetime,
    read_end: dt.datetime,
    now: dt.datetime,
    ignore_appointment_id: int | None,
    ignore_hold: occupancy.Hold | None,
    listing: availability.ServiceSpec | None,
    team: list[int],
    whole_team: bool,
    reach: int,
) -> list[tuple[int, int, int, int, int, str]]:
    """Rows (therapist, room, start, occupied until, the load's end, style; times in
    microseconds since the epoch) of the appointments and holds occupying the read window,
    in one query so the loader's query count stays fixed.

    Without `listing`: every row of the window. With it: the team's own rows, plus rows in
    the rooms equipped for the style that can decide whether a start is free. A session of
    occupied length at most L (duration + the longest buffer of the team) finds no room only
    when every suitable room has a booking overlapping it; such a start lies, for every room,
    within L of one of its bookings. So PostgreSQL intersects, over the suitable rooms, the
    union of [start - L, occupied_until + L) of each room's bookings (multiranges), and only
    bookings overlapping that intersection can block anything. When some suitable room has
    no booking in the window, rooms never bind and none is read. (SQLite has no multiranges:
    there it reads every booking of the suitable rooms.) When the team is every active
    therapist ("any"), its own rows are nearly every row, and the intersection would cost
    PostgreSQL more than it saves (1.9 against 1.1 ms for a fortnight of the demo clinic):
    then every row is read, as without `listing`.
    """
    shape = (
        listing is not None,
        ignore_appointment_id is not None,
        ignore_hold.source if ignore_hold is not None else "",
    )
    values: dict[str, Any] = {"start": read_start, "end": read_end, "now": now}
    if ignore_appointment_id is not None:
        values["appointment"] = ignore_appointment_id
    if ignore_hold is not None:
        values["hold"] = ignore_hold.pk

    if connection.vendor != "postgresql":
        return _occupancy_portable(values, shape=shape, listing=listing, team=team)
    union_sql, union_params = _occupied(values, shape=shape).query.sql_with_params()
    cte = f"WITH held (therapist_id, room_id, start, occupied_until, load_end, load_style) AS ({union_sql})"  # noqa: S608 - SQL the ORM compiled
    if listing is None or whole_team:
        sql, params = f"{cte} SELECT {_ROW} FROM held h", union_params  # noqa: S608 - ours
    else:
        rooms_sql, rooms_params = _suitable_rooms({"style": listing.style}).query.sql_with_params()
        reach_interval = listing.duration + dt.timedelta(minutes=reach)
        sql = f"""
            {cte},
            suitable AS ({rooms_sql}),
            reach AS (
                SELECT room_id, range_agg(tstzrange(start - %s, occupied_until + %s)) AS span
                FROM held WHERE room_id IN (SELECT id FROM suitable) GROUP BY room_id
            ),
            contested AS (
                SELECT CASE WHEN count(*) = (SELECT count(*) FROM suitable)
                    THEN range_intersect_agg(span) ELSE '{{}}'::tstzmultirange END AS span
                FROM reach
            )
            SELECT {_ROW}
            FROM held h, contested c
            WHERE h.therapist_id = ANY(%s)
                OR (h.room_id IN (SELECT id FROM suitable)
                    AND tstzrange(h.start, h.occupied_until) && c.span)
        """  # noqa: S608 - the interpolated parts are SQL the ORM compiled; values are parameters
        params = (*union_params, *rooms_params, reach_interval, reach_interval, team)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _suitable_rooms(values: Mapping[str, Any]) -> QuerySet:
    return Room.objects.filter(active=True, styles__slug=values["style"]).values("id")


def _occupancy_portable(
    values: Mapping[str, Any],
    *,
    shape: tuple,
    listing: availability.ServiceSpec | None,
    team: list[int],
) -> list[tuple[int, int, int, int, int, str]]:
    """`_occupancy` on SQLite (`make run`): for a listing, every booking of the team and of
    the suitable rooms, through the ORM, with times turned into microseconds here."""
    only = None
    if listing is not None:
        only = Q(therapist_id__in=team) | Q(room_id__in=_suitable_rooms({"style": listing.style}))
    us = availability.microseconds
    return [
        (therapist_id, room_id, us(start), us(occupied_until), us(end), style)
        for therapist_id, room_id, start, occupied_until, end, style in _occupied(
            values, shape=shape, only=only
        )
    ]


def available_slots(
    *,
    service: Service,
    therapist: Therapist | None,
    first_day: dt.date,
    days: int,
    now: dt.datetime,
    rules: availability.Rules | None = None,
) -> list[availability.Slot]:
    """Free slots for a service, one therapist or any (one slot per start, load spread).

    The one entry point the booking pages, the API and the series use to offer times;
    `rules` (default the clinic's) lets staff be offered times inside the minimum notice.
    """
    rules = rules or clinic_rules()
    spec = service_spec(service)
    window = load_window(
        first_day=first_day,
        days=days,
        therapists=None if therapist is None else [therapist],
        tz=rules.tz,
        listing=spec,
    )
    pick = availability.free_slots if therapist is not None else availability.free_slots_any
    return pick(
        service=spec,
        therapists=window.therapists,
        rooms=window.rooms,
        closed_days=window.closed_days,
        first_day=first_day,
        days=days,
        now=now,
        rules=rules,
    )
