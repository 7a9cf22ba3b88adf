"""The schedule grid of the admin: loaders (a fixed number of queries) and the grid itself.

A grid is a table with one row per quarter hour of clinic wall-clock time and one column per
therapist (the day view) or per day (a therapist's week). Each column is cut into blocks that
span several rows: an appointment, the recovery buffer after it, free working time, time off,
or time outside working hours. Rows are wall-clock times, not instants, so a day on which the
clocks change still reads 09:00, 09:15, ... like any other (the clinic is closed in the small
hours where the change happens).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from bookings import availability
from bookings.models import Appointment, ClosedDay, Service
from bookings.schedules import clinic_rules, load_window, service_spec
from therapists.hours import hours_on
from therapists.models import Therapist, TimeOff, WorkingHours

ROW_MINUTES = 15
DAY_MINUTES = 24 * 60
DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE = 9 * 60, 17 * 60

APPOINTMENT = "appointment"
BUFFER = "buffer"
FREE = "free"
AWAY = "away"
CLOSED = "closed"
OFF = "off"

KIND_LABELS = {
    BUFFER: "Buffer",
    FREE: "Free",
    AWAY: "Time off",
    CLOSED: "Clinic closed",
    OFF: "",
}


@dataclass
class Block:
    """A run of rows in one column that reads as one thing."""

    kind: str
    first_row: int
    rows: int
    start: dt.datetime  # local, aware
    end: dt.datetime
    therapist_id: int
    appointments: list[Appointment] = field(default_factory=list)
    book_at: dt.datetime | None = None  # first start in the block the service would accept
    book_service_id: int | None = None  # ... for this service

    @property
    def day(self) -> dt.date:
        return self.start.date()

    @property
    def time_range(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, "")

    @property
    def css_class(self) -> str:
        if self.kind == APPOINTMENT and len(self.appointments) == 1:
            return f"slot-appointment status-{self.appointments[0].status.replace('_', '-')}"
        return f"slot-{self.kind}"


@dataclass
class Column:
    """One therapist on one day: the header and the blocks below it."""

    day: dt.date
    therapist: Therapist
    blocks: list[Block] = field(default_factory=list)
    closed: bool = False
    bookings: int = 0


@dataclass
class Row:
    label: str
    on_the_hour: bool
    cells: list[Block | None]  # a Block where one starts; None where a rowspan covers it


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]


def _minutes(moment: dt.datetime, day: dt.date, tz: ZoneInfo) -> int:
    """Wall-clock minutes of `moment` since the start of local `day`, clamped to the day."""
    local = moment.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _wall_minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _row_bounds(first_minute: int, last_minute: int) -> tuple[int, int]:
    """Whole hours around everything shown."""
    return first_minute - first_minute % 60, min(DAY_MINUTES, -(-last_minute // 60) * 60)


def minute_span(
    days: Sequence[dt.date],
    hours_by_weekday: Iterable[tuple[int, dt.time, dt.time]],
    appointments: Iterable[Appointment],
    tz: ZoneInfo,
) -> tuple[int, int]:
    """The wall-clock span the grid needs: every working interval and every booking."""
    first, last = DAY_MINUTES, 0
    weekdays = {day.weekday() for day in days}
    for weekday, start, end in hours_by_weekday:
        if weekday in weekdays:
            first, last = min(first, _wall_minutes(start)), max(last, _wall_minutes(end))
    for appointment in appointments:
        day = appointment.start.astimezone(tz).date()
        day = day if day in days else days[0]
        first = min(first, _minutes(appointment.start, day, tz))
        last = max(last, _minutes(appointment.occupied_until, day, tz))
    if first >= last:
        first, last = DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE
    return _row_bounds(first, last)


def _blocks(
    kinds: list[str],
    owner: list[int | None],
    clusters: list[list[Appointment]],
    *,
    column: Column,
    first_minute: int,
    tz: ZoneInfo,
) -> list[Block]:
    """Runs of rows of the same kind (and the same appointment cluster) as blocks."""
    day, count, blocks = column.day, len(kinds), []

    def at(row: int) -> dt.datetime:
        minute = first_minute + row * ROW_MINUTES
        if minute >= DAY_MINUTES:
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)

    row = 0
    while row < count:
        end = row + 1
        while end < count and kinds[end] == kinds[row] and owner[end] == owner[row]:
            end += 1
        block = Block(
            kind=kinds[row],
            first_row=row,
            rows=end - row,
            start=at(row),
            end=at(end),
            therapist_id=column.therapist.pk,
        )
        if owner[row] is not None:
            block.appointments = clusters[owner[row]]
        blocks.append(block)
        row = end
    return blocks


def build_column(
    column: Column,
    *,
    first_minute: int,
    last_minute: int,
    working: Sequence[tuple[dt.time, dt.time]],
    time_off: Sequence[tuple[dt.datetime, dt.datetime]],
    appointments: Sequence[Appointment],
    tz: ZoneInfo,
) -> Column:
    """Cut one column into blocks. Appointments win over everything; after each comes its
    buffer (the therapist's recovery and the room's turnover), which is not free time."""
    day = column.day
    count = (last_minute - first_minute) // ROW_MINUTES

    def row_of(minute: int) -> int:
        return max(0, min(count, (minute - first_minute) // ROW_MINUTES))

    def row_after(minute: int) -> int:
        return max(0, min(count, -(-(minute - first_minute) // ROW_MINUTES)))

    kinds = [CLOSED if column.closed else OFF] * count
    if not column.closed:
        for start, end in working:
            for row in range(row_of(_wall_minutes(start)), row_of(_wall_minutes(end))):
                kinds[row] = FREE
    for start, end in time_off:
        for row in range(row_of(_minutes(start, day, tz)), row_after(_minutes(end, day, tz))):
            kinds[row] = AWAY
    owner: list[int | None] = [None] * count  # which appointment cluster covers a row
    clusters: list[list[Appointment]] = []
    for appointment in sorted(appointments, key=lambda a: a.start):
        first = row_of(_minutes(appointment.start, day, tz))
        last = max(first + 1, row_after(_minutes(appointment.end, day, tz)))
        last = min(last, count)
        if first >= count:
            continue
        buffer_rows = range(
            row_after(_minutes(appointment.end, day, tz)),
            row_after(_minutes(appointment.occupied_until, day, tz)),
        )
        for row in buffer_rows:
            if owner[row] is None:
                kinds[row] = BUFFER
        # Appointments that touch the same rows (only possible off the quarter-hour grid)
        # share one block rather than breaking the table.
        touching = {owner[row] for row in range(first, last)} - {None}
        if touching:
            cluster = min(t for t in touching if t is not None)
            clusters[cluster].append(appointment)
        else:
            cluster = len(clusters)
            clusters.append([appointment])
        for row in range(first, last):
            owner[row] = cluster
            kinds[row] = APPOINTMENT
    column.bookings = len(appointments)

    column.blocks.extend(
        _blocks(kinds, owner, clusters, column=column, first_minute=first_minute, tz=tz)
    )
    return column


# Which service (if any) the booking service would accept for a therapist at a start.
SlotAcceptor = Callable[[int, dt.datetime], int | None]


def mark_bookable(grid: "Grid", now: dt.datetime, *, accepts: SlotAcceptor) -> None:
    """Give each free block its "Book" link: the first quarter hour, not yet past, at which
    `accepts` names a service the booking service would take (see `slot_acceptor`). A free
    block where nothing can be booked (no room, not certified, daily cap reached...) gets
    no link, so staff are never offered a booking the service then refuses."""
    step = dt.timedelta(minutes=ROW_MINUTES)
    for column in grid.columns:
        for block in column.blocks:
            if block.kind != FREE or block.end <= now:
                continue
            start = block.start
            if start < now:
                start += -((start - now) // step) * step
            while start < block.end:
                service_id = accepts(block.therapist_id, start)
                if service_id is not None:
                    block.book_at, block.book_service_id = start, service_id
                    break
                start += step


def slot_acceptor(
    *, first_day: dt.date, days: int, therapists: Sequence[Therapist] | None, now: dt.datetime
) -> SlotAcceptor:
    """The booking service's own rule for the grid's window, as staff book (no minimum
    notice: a walk-in): `schedules.load_window` (the loader `booking_create` re-checks with)
    and `availability.check_slot`, tried for each active service in the admin form's order.

    A fixed number of queries: the loader's seven and one for the services.
    """
    rules = clinic_rules(min_notice=dt.timedelta(0))
    window = load_window(first_day=first_day, days=days, therapists=therapists, tz=rules.tz)
    schedules = {schedule.id: schedule for schedule in window.therapists}
    offered = [
        (service.pk, service_spec(service))
        for service in Service.objects.filter(active=True)
        .select_related("style")
        .order_by("style__name", "duration_minutes")
    ]

    def accepts(therapist_id: int, start: dt.datetime) -> int | None:
        schedule = schedules.get(therapist_id)
        if schedule is None:  # inactive: the service books only active therapists
            return None
        for service_id, spec in offered:
            reason, _room = availability.check_slot(
                service=spec,
                therapist=schedule,
                rooms=window.rooms,
                closed_days=window.closed_days,
                start=start,
                now=now,
                rules=rules,
            )
            if reason is None:
                return service_id
        return None

    return accepts


def assemble(columns: list[Column], first_minute: int, last_minute: int) -> Grid:
    count = (last_minute - first_minute) // ROW_MINUTES
    cells: list[list[Block | None]] = [[None] * len(columns) for _ in range(count)]
    for index, column in enumerate(columns):
        for block in column.blocks:
            cells[block.first_row][index] = block
    rows = []
    for row in range(count):
        minute = first_minute + row * ROW_MINUTES
        rows.append(
            Row(
                label=f"{minute // 60:02d}:{minute % 60:02d}",
                on_the_hour=minute % 60 == 0,
                cells=cells[row],
            )
        )
    return Grid(columns=columns, rows=rows)


# --- Loading ------------------------------------------------------------------------------


def _day_bounds(first_day: dt.date, days: int, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(), tzinfo=tz)
    return start, end


def _appointments(start: dt.datetime, end: dt.datetime):
    """Bookings that hold time in the window, with everything a block shows (one query)."""
    return (
        Appointment.objects.active()
        .filter(start__lt=end, end__gt=start)
        .select_related("client", "service__style", "room", "intake")
        .order_by("start")
    )


def _therapists_with_schedules(queryset, day: dt.date, start, end):
    """Therapists with the working hours in force on `day` and time off in the window (three
    queries however many therapists)."""
    return queryset.prefetch_related(
        Prefetch(
            "working_hours",
            queryset=WorkingHours.objects.filter(weekday=day.weekday())
            .in_force_between(day, day)
            .order_by("start"),
        ),
        Prefetch(
            "time_off",
            queryset=TimeOff.objects.filter(start__lt=end, end__gt=start).order_by("start"),
        ),
    ).order_by("display_name", "pk")


def _closed_days(first_day: dt.date, days: int) -> set[dt.date]:
    return set(
        ClosedDay.objects.filter(
            date__gte=first_day, date__lt=first_day + dt.timedelta(days=days)
        ).values_list("date", flat=True)
    )


def day_grid(day: dt.date, tz: ZoneInfo) -> Grid:
    """Every active therapist (and any inactive one still booked that day) on `day`.

    Five queries: appointments, therapists, their working hours, their time off, closed days.
    """
    start, end = _day_bounds(day, 1, tz)
    appointments = list(_appointments(start, end))
    booked = {a.therapist_id for a in appointments}
    therapists = list(
        _therapists_with_schedules(
            Therapist.objects.filter(Q(active=True) | Q(pk__in=booked)),
            day,
            start,
            end,
        )
    )
    closed = day in _closed_days(day, 1)
    by_therapist: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        by_therapist[appointment.therapist_id].append(appointment)
    first, last = minute_span(
        [day],
        (
            (h.weekday, h.start, h.end)
            for therapist in therapists
            for h in therapist.working_hours.all()
        ),
        appointments,
        tz,
    )
    columns = []
    for therapist in therapists:
        therapist_appointments = by_therapist[therapist.pk]
        for appointment in therapist_appointments:
            appointment.therapist = therapist  # already loaded; no query per block
        columns.append(
            build_column(
                Column(day=day, therapist=therapist, closed=closed),
                first_minute=first,
                last_minute=last,
                working=[(h.start, h.end) for h in therapist.working_hours.all()],
                time_off=[(t.start, t.end) for t in therapist.time_off.all()],
                appointments=therapist_appointments,
                tz=tz,
            )
        )
    return assemble(columns, first, last)


def week_grid(therapist: Therapist, monday: dt.date, tz: ZoneInfo) -> Grid:
    """One therapist's week, Monday to Sunday (four queries besides the therapist)."""
    start, end = _day_bounds(monday, 7, tz)
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    appointments = list(_appointments(start, end).filter(therapist=therapist))
    hours = list(
        WorkingHours.objects.filter(therapist=therapist)
        .in_force_between(days[0], days[-1])
        .order_by("weekday", "start")
    )
    time_off = list(TimeOff.objects.filter(therapist=therapist, start__lt=end, end__gt=start))
    closed = _closed_days(monday, 7)
    first, last = minute_span(days, ((h.weekday, h.start, h.end) for h in hours), appointments, tz)
    by_day: dict[dt.date, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        appointment.therapist = therapist
        by_day[appointment.start.astimezone(tz).date()].append(appointment)
    columns = [
        build_column(
            Column(day=day, therapist=therapist, closed=day in closed),
            first_minute=first,
            last_minute=last,
            working=[(s, e) for s, e in hours_on([h.dated() for h in hours], day)],
            time_off=[(t.start, t.end) for t in time_off],
            appointments=by_day[day],
            tz=tz,
        )
        for day in days
    ]
    return assemble(columns, first, last)
