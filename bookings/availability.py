"""Pure slot computation: plain schedules in, free slots out (no ORM, no queries).

A slot is a therapist T, a start S and a room. The session is [S, S + duration); the
*occupied* interval is [S, S + duration + T.buffer): in Ashiatsu the therapist walks on the
client's back, so after every session they need recovery time, and the room needs turnover
(linen, cleaning the bars). Everything that must be free is checked over the occupied interval.

`free_slots` lists every bookable (start, therapist) pair of a window; `check_slot` re-checks
one start inside the booking transaction. Both use the same helpers, so they always agree.
Who may give a style on a day is `therapists.qualifications.qualifies`, on plain spans.

Time zones. Working hours are local wall-clock times in the clinic zone; everything else is
real instants. Internally instants are integer microseconds since the Unix epoch, so stepping
through a day is stepping through real time and a DST change can neither shift nor duplicate a
slot. A candidate start is on the grid when its local wall-clock time is a multiple of
`rules.grid` after local midnight; on a fall-back day both real instants of a repeated wall
time are candidates, on a spring-forward day the skipped wall times simply do not exist.
A working-hours boundary means "the first moment the wall clock shows this time (or later)":
an ambiguous time is its first occurrence, a non-existent time (02:30 on a spring-forward day)
is the moment the clock jumps past it (03:00 EDT), so working hours never reach into the gap.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_lazy

from therapists.hours import DatedHours
from therapists.qualifications import CredentialSpan, qualifies

NOT_ON_GRID = "not_on_grid"
TOO_SOON = "too_soon"
TOO_FAR = "too_far"
CLOSED = "closed"
OUTSIDE_HOURS = "outside_hours"
TIME_OFF = "time_off"
NOT_QUALIFIED = "not_qualified"
DAILY_CAP = "daily_cap"
WEEKLY_BUDGET = "weekly_budget"
THERAPIST_BUSY = "therapist_busy"
NO_ROOM = "no_room"

REASON_MESSAGES = {
    # The grid is a setting: `reason_message` words this one for the configured grid.
    NOT_ON_GRID: gettext_lazy(
        "Sessions start on the quarter hour. Please choose a time from the list."
    ),
    TOO_SOON: gettext_lazy("This time is too soon to book online; please call the clinic."),
    TOO_FAR: gettext_lazy("This time is too far ahead to book yet. Please choose an earlier date."),
    CLOSED: gettext_lazy("The clinic is closed on this day."),
    OUTSIDE_HOURS: gettext_lazy("This time is outside the therapist's working hours."),
    TIME_OFF: gettext_lazy("The therapist is away at this time."),
    NOT_QUALIFIED: gettext_lazy("The therapist cannot offer this treatment on this day."),
    DAILY_CAP: gettext_lazy("The therapist is fully booked on this day."),
    WEEKLY_BUDGET: gettext_lazy(
        "The therapist is fully booked this week. Please choose another week."
    ),
    THERAPIST_BUSY: gettext_lazy("This time was just taken. Please choose another."),
    NO_ROOM: gettext_lazy("No treatment room is free at this time. Please choose another."),
}


def reason_message(reason: str, *, grid_phrase: str) -> str:
    """The client's message for `reason`, with the grid worded for the clinic's setting."""
    if reason == NOT_ON_GRID:
        return gettext("Sessions start %(grid)s. Please choose a time from the list.") % {
            "grid": grid_phrase
        }
    return str(REASON_MESSAGES[reason])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = 86_400_000_000


class Interval:
    """A half-open span [start, end) of real time, given as aware datetimes.

    Kept as integer microseconds since the epoch (`start_us`, `end_us`), what every check
    here works in: the schedule loader reads busy times from the database as such numbers
    (`Interval.of_us`), so the hundreds of bookings a window holds are never turned into
    datetimes and back on a busy request.
    """

    __slots__ = ("end_us", "start_us")

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start_us = _us(start)
        self.end_us = _us(end)

    @classmethod
    def of_us(cls, start_us: int, end_us: int) -> "Interval":
        interval = cls.__new__(cls)
        interval.start_us, interval.end_us = start_us, end_us
        return interval

    @property
    def start(self) -> datetime:
        return _utc(self.start_us)

    @property
    def end(self) -> datetime:
        return _utc(self.end_us)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interval):
            return NotImplemented
        return (self.start_us, self.end_us) == (other.start_us, other.end_us)

    def __hash__(self) -> int:
        return hash((self.start_us, self.end_us))

    def __repr__(self) -> str:
        return f"Interval({self.start.isoformat()}, {self.end.isoformat()})"


@dataclass(frozen=True, slots=True)
class TherapistSchedule:
    """One therapist's week as plain values.

    `busy` holds occupied intervals of their non-cancelled appointments (session plus that
    appointment's buffer); `sessions_per_day` counts those appointments by local start date;
    the daily cap protects a therapist whose whole body weight work is physically demanding.
    `load_per_week` is the weighted load of those appointments per ISO week (keyed by the
    week's Monday, local dates) and `weekly_budget` the most it may reach, both in the
    centi-minutes of `bookings.workload` (None: no weekly budget).
    """

    id: int
    slug: str
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]]
    time_off: Sequence[Interval]
    busy: Sequence[Interval]
    sessions_per_day: Mapping[date, int]
    credentials: Sequence[CredentialSpan]
    daily_cap: int
    buffer: timedelta
    load_per_week: Mapping[date, int] = field(default_factory=dict)
    weekly_budget: int | None = None
    # Hours with dates (`therapists.hours`): in force only between their days, on top of
    # `weekly_hours` (in force on every day).
    dated_hours: Sequence[DatedHours] = ()


@dataclass(frozen=True, slots=True)
class RoomSchedule:
    """A treatment room, the styles it is equipped for and its occupied intervals."""

    id: int
    styles: frozenset[str]
    busy: Sequence[Interval]


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What is being booked: the style (which room and certification) and session length."""

    style: str
    required_credential: str
    duration: timedelta
    load: int = 0  # one session's weighted load against the weekly budget (centi-minutes)


@dataclass(frozen=True, slots=True)
class Rules:
    """Clinic-wide booking rules; `grid` steps are counted from local midnight."""

    tz: ZoneInfo
    grid: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable session: start and end (without the buffer) in UTC, therapist and room."""

    start: datetime
    end: datetime
    therapist_id: int
    therapist_slug: str
    room_id: int


def microseconds(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (naive ones raise TypeError):
    what `Interval` keeps and every check here computes in."""
    return (moment - _EPOCH) // _MICROSECOND


_us = microseconds


def _utc(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class _Blocks:
    """Sorted, merged busy spans answering "does [s, e) overlap any?" by bisection.

    Overlap is half-open, so back-to-back bookings are fine; empty spans block nothing.
    """

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted((i.start_us, i.end_us) for i in intervals):
            if start >= end:
                continue
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def hits(self, start: int, end: int) -> bool:
        i = bisect_right(self.ends, start)  # first span ending after `start`
        return i < len(self.starts) and self.starts[i] < end


def _suitable_rooms(rooms: Sequence[RoomSchedule], style: str) -> list[tuple[int, _Blocks]]:
    """Rooms equipped for the style (a bar room has overhead bars), in the caller's order."""
    return [(room.id, _Blocks(room.busy)) for room in rooms if style in room.styles]


def _free_room(rooms: list[tuple[int, _Blocks]], start: int, end: int) -> int | None:
    """The first suitable room free over the occupied interval, including its turnover."""
    for room_id, blocks in rooms:
        if not blocks.hits(start, end):
            return room_id
    return None


def _open_starts(
    grid: Sequence[int],
    spans: Sequence[tuple[int, int]],
    unavailable: _Blocks,
    occupied_us: int,
    earliest: int,
    latest: int,
) -> list[int]:
    """The grid starts of one day at which a therapist could begin a session occupying
    `occupied_us`: inside a working span, clear of every busy or time-off block, between
    the notice and the horizon (rooms aside). The same test as `check_slot`'s hours, time
    off and busy checks, done once per day by walking the blocks instead of once per start:
    a block [b, e) rules out exactly the starts in (b - occupied_us, e).
    """
    starts, ends = unavailable.starts, unavailable.ends
    found: list[int] = []
    for work_start, work_end in spans:
        low, high = max(work_start, earliest), min(work_end - occupied_us, latest)
        i = bisect_right(ends, low)  # blocks ending by `low` rule out nothing from it on
        while low <= high:
            last = high if i == len(starts) else min(starts[i] - occupied_us, high)
            if last >= low:
                found.extend(grid[bisect_left(grid, low) : bisect_right(grid, last)])
            if i == len(starts):
                break
            low = max(low, ends[i])
            i += 1
    return found


@lru_cache(maxsize=4096)
def _wall_instant(day: date, wall: time, tz: ZoneInfo) -> int:
    """The first moment the clinic's wall clock on `day` shows `wall` or later (see module doc)."""
    naive = datetime.combine(day, wall)
    first, second = sorted(_us(naive.replace(tzinfo=tz, fold=fold)) for fold in (0, 1))
    if first == second or _utc(first).astimezone(tz).replace(tzinfo=None) == naive:
        return first  # an ordinary time, or the first occurrence of a repeated one
    # `wall` falls in a spring-forward gap: find the transition between the two readings.
    while first < second:
        mid = (first + second) // 2
        if _utc(mid).astimezone(tz).replace(tzinfo=None) >= naive:
            second = mid
        else:
            first = mid + 1
    return first


def _working_spans(schedule: TherapistSchedule, day: date, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The therapist's working intervals on `day` as real instants, adjacent ones merged.

    Hours are merged as wall-clock times first, so 09:00-12:00 plus 12:00-17:00 is one
    09:00-17:00 stretch in which a session may run across noon.
    """
    merged: list[list[time]] = []
    hours = list(schedule.weekly_hours.get(day.weekday(), ()))
    weekday = day.weekday()
    hours.extend(
        (h.start, h.end) for h in schedule.dated_hours if h.weekday == weekday and h.in_force(day)
    )
    for start, end in sorted(hours):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    spans = [(_wall_instant(day, s, tz), _wall_instant(day, e, tz)) for s, e in merged]
    return [(s, e) for s, e in spans if s < e]


@lru_cache(maxsize=1024)
def _day_grid(day: date, tz: ZoneInfo, grid_us: int) -> tuple[int, ...]:
    """Every real instant of local `day` whose wall-clock time lies on the booking grid."""
    first = _wall_instant(day, time(), tz)
    if _wall_instant(day + timedelta(days=1), time(), tz) - first == _DAY_US:
        # An ordinary 24-hour day (no zone has two transitions cancelling out within a day):
        # the offset is constant, so the grid is plain arithmetic in real time.
        return tuple(range(first, first + _DAY_US, grid_us))
    # A DST day: try both readings of every grid wall time and keep the ones that exist.
    midnight = datetime.combine(day, time())
    instants = set()
    for offset in range(0, _DAY_US, grid_us):
        naive = midnight + timedelta(microseconds=offset)
        for fold in (0, 1):
            us = _us(naive.replace(tzinfo=tz, fold=fold))
            if _utc(us).astimezone(tz).replace(tzinfo=None) == naive:
                instants.add(us)
    return tuple(sorted(instants))


def _on_grid(local: datetime, grid_us: int) -> bool:
    """Whether a local time is a whole number of grid steps after local midnight."""
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return (seconds * 1_000_000 + local.microsecond) % grid_us == 0


def _notice_and_horizon(now: datetime, rules: Rules) -> tuple[int, int]:
    """The earliest and latest bookable start, in real time.

    The notice gives the therapist time to prepare the room and read the intake; the horizon
    keeps the calendar to what the clinic has planned. (Added in UTC on purpose: adding
    hours to a local aware datetime is wall-clock arithmetic and would be off across DST.)
    """
    now_us = _us(now)
    return now_us + rules.min_notice // _MICROSECOND, now_us + rules.horizon // _MICROSECOND


def over_weekly_budget(therapist: TherapistSchedule, service: ServiceSpec, day: date) -> bool:
    """Whether one more session on local `day` would take the therapist past their weekly
    load budget (the ISO week, Monday to Sunday, that contains `day`).

    The daily cap cannot see five long days in a row; the budget can. A session that exactly
    fills the budget is fine.
    """
    if therapist.weekly_budget is None:
        return False
    monday = day - timedelta(days=day.weekday())
    return therapist.load_per_week.get(monday, 0) + service.load > therapist.weekly_budget


def free_slots(
    *,
    service: ServiceSpec,
    therapists: Sequence[TherapistSchedule],
    rooms: Sequence[RoomSchedule],
    closed_days: Collection[date],
    first_day: date,
    days: int,
    now: datetime,
    rules: Rules,
) -> list[Slot]:
    """All free (start, therapist) pairs on local dates first_day .. first_day + days - 1.

    Sorted by (start, therapist_slug). Each slot carries the first free suitable room.
    """
    tz = rules.tz
    grid_us = rules.grid // _MICROSECOND
    duration_us = service.duration // _MICROSECOND
    earliest, latest = _notice_and_horizon(now, rules)
    closed = set(closed_days)
    open_days = [first_day + timedelta(days=i) for i in range(days)]
    open_days = [day for day in open_days if day not in closed]
    suitable = _suitable_rooms(rooms, service.style)
    if not suitable:
        return []
    grids = {day: _day_grid(day, tz, grid_us) for day in open_days}

    found: list[tuple[int, str, int, int]] = []
    for therapist in therapists:
        occupied_us = duration_us + therapist.buffer // _MICROSECOND
        unavailable = _Blocks([*therapist.time_off, *therapist.busy])
        for day in open_days:
            if therapist.sessions_per_day.get(day, 0) >= therapist.daily_cap:
                continue
            if over_weekly_budget(therapist, service, day):
                continue
            if not qualifies(therapist.credentials, service.required_credential, day):
                continue
            spans = _working_spans(therapist, day, tz)
            for start in _open_starts(
                grids[day], spans, unavailable, occupied_us, earliest, latest
            ):
                room_id = _free_room(suitable, start, start + occupied_us)
                if room_id is not None:
                    found.append((start, therapist.slug, therapist.id, room_id))
    found.sort()
    moments: dict[int, tuple[datetime, datetime]] = {}  # many therapists share each start
    slots = []
    for start, slug, therapist_id, room_id in found:
        if start not in moments:
            moment = _utc(start)
            moments[start] = (moment, moment + service.duration)
        slots.append(Slot(*moments[start], therapist_id, slug, room_id))
    return slots


def pick_for_any(
    slots: Sequence[Slot],
    *,
    sessions_per_day: Mapping[int, Mapping[date, int]] | None = None,
    tz: ZoneInfo,
) -> list[Slot]:
    """One slot per start time for a client who has no preferred therapist.

    The therapist with the fewest sessions that local day gets it, because walking on backs
    all day is physically hard and the load should be spread; ties go by slug so the answer
    is deterministic. Returned sorted by start.
    """
    counts = sessions_per_day or {}
    best: dict[datetime, tuple[tuple[int, str], Slot]] = {}
    days: dict[datetime, date] = {}
    for slot in slots:
        day = days.get(slot.start)
        if day is None:
            day = days[slot.start] = slot.start.astimezone(tz).date()
        key = (counts.get(slot.therapist_id, {}).get(day, 0), slot.therapist_slug)
        current = best.get(slot.start)
        if current is None or key < current[0]:
            best[slot.start] = (key, slot)
    return [slot for _, (_, slot) in sorted(best.items())]


def free_slots_any(
    *,
    service: ServiceSpec,
    therapists: Sequence[TherapistSchedule],
    rooms: Sequence[RoomSchedule],
    closed_days: Collection[date],
    first_day: date,
    days: int,
    now: datetime,
    rules: Rules,
) -> list[Slot]:
    """Exactly `pick_for_any(free_slots(...))` with each therapist's own `sessions_per_day`,
    computed without listing every (start, therapist) pair first.

    For each start the therapists are tried in the order "any therapist" prefers (fewest
    sessions that local day, then slug) and the first free one takes it. Usually that is the
    first or second tried, so the work grows with the number of start times rather than with
    therapists x start times: a clinic twice the size does not answer twice as slowly.
    """
    tz = rules.tz
    grid_us = rules.grid // _MICROSECOND
    duration_us = service.duration // _MICROSECOND
    earliest, latest = _notice_and_horizon(now, rules)
    closed = set(closed_days)
    suitable = _suitable_rooms(rooms, service.style)
    if not suitable:
        return []
    prepared = [
        (
            therapist,
            duration_us + therapist.buffer // _MICROSECOND,
            _Blocks([*therapist.time_off, *therapist.busy]),
        )
        for therapist in therapists
    ]
    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day in closed:
            continue
        grid = _day_grid(day, tz, grid_us)
        ranked = []
        for therapist, occupied_us, unavailable in prepared:
            count = therapist.sessions_per_day.get(day, 0)
            if count >= therapist.daily_cap:
                continue
            if over_weekly_budget(therapist, service, day):
                continue
            if not qualifies(therapist.credentials, service.required_credential, day):
                continue
            spans = _working_spans(therapist, day, tz)
            open_starts = _open_starts(grid, spans, unavailable, occupied_us, earliest, latest)
            if open_starts:
                ranked.append(((count, therapist.slug), therapist, occupied_us, set(open_starts)))
        ranked.sort(key=lambda entry: entry[0])
        for start in sorted(set().union(*(entry[3] for entry in ranked))):
            # The shortest occupied time that found no room at this start: a longer one
            # cannot find one either, so only therapists with a shorter buffer try again.
            roomless = None
            for _, therapist, occupied_us, open_starts in ranked:
                if start not in open_starts or (roomless is not None and occupied_us >= roomless):
                    continue
                room_id = _free_room(suitable, start, start + occupied_us)
                if room_id is None:
                    roomless = occupied_us
                else:
                    moment = _utc(start)
                    slots.append(
                        Slot(
                            moment,
                            moment + service.duration,
                            therapist.id,
                            therapist.slug,
                            room_id,
                        )
                    )
                    break
    return slots


def check_slot(
    *,
    service: ServiceSpec,
    therapist: TherapistSchedule,
    rooms: Sequence[RoomSchedule],
    closed_days: Collection[date],
    start: datetime,
    now: datetime,
    rules: Rules,
) -> tuple[str | None, int | None]:
    """Re-check one requested start for one therapist: (None, room_id) or (reason, None).

    The booking service calls this inside its transaction, so it is the final word; it
    accepts exactly the starts `free_slots` lists. Reasons come in a fixed order, rules
    before "taken", so a client learns the most fundamental problem first.
    """
    tz = rules.tz
    start_us = _us(start)
    end_us = start_us + (service.duration + therapist.buffer) // _MICROSECOND
    local = start.astimezone(tz)
    day = local.date()
    if not _on_grid(local, rules.grid // _MICROSECOND):
        return NOT_ON_GRID, None
    earliest, latest = _notice_and_horizon(now, rules)
    if start_us < earliest:
        return TOO_SOON, None
    if start_us > latest:
        return TOO_FAR, None
    if day in closed_days:
        return CLOSED, None
    spans = _working_spans(therapist, day, tz)
    if not any(ws <= start_us and end_us <= we for ws, we in spans):
        return OUTSIDE_HOURS, None
    if _Blocks(therapist.time_off).hits(start_us, end_us):
        return TIME_OFF, None
    if not qualifies(therapist.credentials, service.required_credential, day):
        return NOT_QUALIFIED, None
    if therapist.sessions_per_day.get(day, 0) >= therapist.daily_cap:
        return DAILY_CAP, None
    if over_weekly_budget(therapist, service, day):
        return WEEKLY_BUDGET, None
    if _Blocks(therapist.busy).hits(start_us, end_us):
        return THERAPIST_BUSY, None
    room_id = _free_room(_suitable_rooms(rooms, service.style), start_us, end_us)
    if room_id is None:
        return NO_ROOM, None
    return None, room_id
