"""The slowly changing half of every availability question, kept in each process's memory.

Who works, when, with which verified credentials, their time off, the rooms and their
styles, and the closed days change a few times a day; appointments and holds change many
times a second when the clinic is busy. Every answer (a slot page, the API, each booking's
check under its locks) used to read all of it again: six of the loader's seven queries, and
most of a busy server's time.

So the loader takes this half from a `Catalog` held in memory under the schedule version's
`config_token`, which database triggers replace in the same statement as any write to those
tables (installed by bookings' migrations 0006 and 0010; appointments and waitlist offers move only the other
token). A changed catalog means a new token, so a stale catalog is never used; the token is
read before the catalog, so a catalog stored under a token is at least as new as it (the
argument of `bookings.schedule_cache`). Each process keeps the few newest catalogs: they are
small (a row per therapist, working-hours block, credential, future time off, room and
future closed day) and every process finds the same token, so none has to be shared.

Busy times read from the therapists' own calendars (`therapists.ExternalBusy`) count as
time off. Time off and closed days are kept from a week before the catalog was built on; a window
that starts earlier (the admin looking at the past) reads them from the database instead.
"""

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils import timezone

from bookings import availability, schedule_cache
from bookings.models import ClosedDay, Room, Service, Style
from therapists.hours import DatedHours
from therapists.models import Credential, ExternalBusy, Therapist, TimeOff, WorkingHours
from therapists.qualifications import qualifies

KEPT = 4  # catalogs per process: the current one and a few a slow request may still hold
# How far back a catalog reaches: a week, so the admin's view of the current week (from its
# Monday) is answered from memory like every window from today on.
PAST = dt.timedelta(days=7)


@dataclass(frozen=True)
class TeamMember:
    id: int
    slug: str
    daily_cap: int
    buffer_minutes: int
    weekly_load_minutes: int | None
    display_name: str

    @property
    def pk(self) -> int:  # templates compare therapists by pk
        return self.id


@dataclass(frozen=True)
class Catalog:
    """Everything availability reads that appointments and holds do not change.

    `from_day`: time off ending after its midnight and closed days on or after it are all
    here; earlier ones are not.
    """

    team: tuple[TeamMember, ...]  # active therapists by slug
    weekly_hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]]
    credentials: dict[int, list[availability.CredentialSpan]]
    time_off: dict[int, list[availability.Interval]]
    room_styles: dict[int, frozenset[str]]  # active rooms
    closed_days: frozenset[dt.date]
    from_day: dt.date
    # Every column of the active therapists and of the active services with their style, by
    # slug: the pages, the API and the booking service look them up on every request.
    therapist_rows: dict[str, tuple] = field(default_factory=dict)
    service_rows: dict[str, tuple[tuple, tuple]] = field(default_factory=dict)
    # Working hours with dates (a manager approved new hours from a day), still in force on
    # or after `from_day`; undated hours are in `weekly_hours`.
    dated_hours: dict[int, tuple[DatedHours, ...]] = field(default_factory=dict)

    def covers(self, first_day: dt.date) -> bool:
        return first_day >= self.from_day

    def time_off_between(
        self, therapist_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[availability.Interval]:
        return [i for i in self.time_off.get(therapist_id, ()) if i.start < end and i.end > start]

    def qualified(self, required_credential: str, day: dt.date) -> list[TeamMember]:
        """The active therapists `therapists.qualifications` allows to give a session that
        needs `required_credential` on `day`, by slug."""
        return [
            m
            for m in self.team
            if qualifies(self.credentials_from(m.id, day), required_credential, day)
        ]

    def credentials_from(
        self, therapist_id: int, day: dt.date
    ) -> list[availability.CredentialSpan]:
        return [
            c
            for c in self.credentials.get(therapist_id, ())
            if c.valid_until is None or c.valid_until >= day
        ]


def _columns(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


_THERAPIST_COLUMNS = _columns(Therapist)
_TEAM_MEMBER_COLUMNS = (
    "id",
    "slug",
    "daily_session_cap",
    "buffer_minutes",
    "weekly_load_minutes",
    "display_name",
)
_SERVICE_COLUMNS = _columns(Service)
_STYLE_COLUMNS = _columns(Style)


def load(*, from_day: dt.date, tz: ZoneInfo) -> Catalog:
    """Read the catalog from the database: seven queries of plain values."""
    therapist_rows = {
        row[_THERAPIST_COLUMNS.index("slug")]: row
        for row in Therapist.objects.filter(active=True)
        .order_by("slug")
        .values_list(*_THERAPIST_COLUMNS)
    }
    team = tuple(
        TeamMember(*(row[_THERAPIST_COLUMNS.index(name)] for name in _TEAM_MEMBER_COLUMNS))
        for row in therapist_rows.values()
    )
    ids = [member.id for member in team]
    weekly: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    dated: dict[int, list[DatedHours]] = defaultdict(list)
    for therapist_id, *row in WorkingHours.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=from_day), therapist_id__in=ids
    ).values_list("therapist_id", "weekday", "start", "end", "valid_from", "valid_until"):
        hours = DatedHours(*row)
        if hours.valid_from is None and hours.valid_until is None:
            weekly[therapist_id][hours.weekday].append((hours.start, hours.end))
        else:
            dated[therapist_id].append(hours)
    credentials: dict[int, list[availability.CredentialSpan]] = defaultdict(list)
    for therapist_id, kind, issued_on, expires_on in (
        Credential.objects.verified()
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=from_day), therapist_id__in=ids)
        .values_list("therapist_id", "kind", "issued_on", "expires_on")
    ):
        credentials[therapist_id].append(availability.CredentialSpan(kind, issued_on, expires_on))
    floor = dt.datetime.combine(from_day, dt.time(), tz)
    time_off: dict[int, list[availability.Interval]] = defaultdict(list)
    # Busy times of the therapists' own calendars block them like time off (one query; no
    # ORDER BY inside the union, which SQLite refuses: each therapist's list is sorted here).
    for therapist_id, start, end in (
        TimeOff.objects.filter(therapist_id__in=ids, end__gt=floor)
        .order_by()
        .values_list("therapist_id", "start", "end")
        .union(
            ExternalBusy.objects.filter(therapist_id__in=ids, end__gt=floor)
            .order_by()
            .values_list("therapist_id", "start", "end"),
            all=True,
        )
    ):
        time_off[therapist_id].append(availability.Interval(start, end))
    for intervals in time_off.values():
        intervals.sort(key=lambda interval: (interval.start_us, interval.end_us))
    room_styles: dict[int, set[str]] = defaultdict(set)
    for room_id, style_slug in Room.objects.filter(active=True).values_list("id", "styles__slug"):
        if style_slug:
            room_styles[room_id].add(style_slug)
    return Catalog(
        team=team,
        weekly_hours={k: dict(v) for k, v in weekly.items()},
        dated_hours={k: tuple(v) for k, v in dated.items()},
        credentials=dict(credentials),
        time_off=dict(time_off),
        room_styles={k: frozenset(v) for k, v in sorted(room_styles.items())},
        closed_days=frozenset(
            ClosedDay.objects.filter(date__gte=from_day).values_list("date", flat=True)
        ),
        from_day=from_day,
        therapist_rows=therapist_rows,
        service_rows={
            row[0]: (row[1 : 1 + len(_SERVICE_COLUMNS)], row[1 + len(_SERVICE_COLUMNS) :])
            for row in Service.objects.filter(active=True).values_list(
                "slug", *_SERVICE_COLUMNS, *(f"style__{name}" for name in _STYLE_COLUMNS)
            )
        },
    )


_kept: OrderedDict[str, Catalog] = OrderedDict()
_guard = threading.Lock()


def catalog(*, first_day: dt.date, tz: ZoneInfo) -> Catalog:
    """The catalog for a window starting on `first_day`: from memory when the config token
    is one this process has seen, read afresh otherwise (and for windows in the past)."""
    from_day = timezone.localdate(timezone.now(), tz) - PAST
    if not settings.SCHEDULE_CATALOG_IN_MEMORY or first_day < from_day:
        return load(from_day=min(first_day, from_day), tz=tz)
    # Read with the schedule's token when a cached answer is being computed (one query for
    # both); the same argument holds: read before the catalog, so the catalog is as new.
    token = schedule_cache.config_token_read.get() or schedule_cache.config_token()
    if not token:  # nothing written since the triggers came: no key to trust
        return load(from_day=from_day, tz=tz)
    with _guard:
        found = _kept.get(token)
        if found is not None and found.covers(first_day):
            _kept.move_to_end(token)
            return found
    fresh = load(from_day=from_day, tz=tz)
    with _guard:
        _kept[token] = fresh
        _kept.move_to_end(token)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return fresh


def display_names() -> dict[int, str]:
    """Each active therapist's name, for the free times a listing shows (slots come only
    from active therapists): from memory while the catalog stands."""
    return {m.id: m.display_name for m in current().team}


# The catalog a request looks services and therapists up in, once it read one (see
# `OneCatalogPerRequest`); None outside a request.
_pinned: ContextVar[list[Catalog] | None] = ContextVar("schedule_catalog_pinned", default=None)


class OneCatalogPerRequest:
    """Middleware: a request looks every service, therapist and name up in one catalog.

    Each lookup read the catalog's token, and a booking made up to five of them (service,
    therapist, the "any" candidates, the names of its alternatives): under load those round
    trips were a tenth of the server's time (issue #12). One catalog per request is what a
    request would see had it run a moment earlier. The booking's check is not a lookup: its
    window (`schedules.load_window`) still reads the token after the locks, so it decides
    on the newest catalog.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reset = _pinned.set([])
        try:
            return self.get_response(request)
        finally:
            _pinned.reset(reset)


def current() -> Catalog:
    """Today's catalog for looking things up: the request's own once it read one."""
    pinned = _pinned.get()
    if pinned:
        return pinned[0]
    tz = ZoneInfo(settings.CLINIC_TIME_ZONE)
    found = catalog(first_day=timezone.localdate(timezone.now(), tz), tz=tz)
    if pinned is not None:
        pinned.append(found)
    return found


def _therapist_of(row: tuple) -> Therapist:
    return Therapist.from_db(DEFAULT_DB_ALIAS, _THERAPIST_COLUMNS, row)


def therapist(slug: str) -> Therapist | None:
    """The active therapist called `slug`, as the ORM would load it, without a query while
    the catalog stands (a fresh instance each time: callers may change theirs)."""
    row = current().therapist_rows.get(slug)
    return None if row is None else _therapist_of(row)


def service(slug: str) -> Service | None:
    """The active service called `slug` with its style (as `select_related("style")`
    loads them), without a query while the catalog stands; a fresh instance each time."""
    rows = current().service_rows.get(slug)
    if rows is None:
        return None
    service_row, style_row = rows
    found = Service.from_db(DEFAULT_DB_ALIAS, _SERVICE_COLUMNS, service_row)
    found.style = Style.from_db(DEFAULT_DB_ALIAS, _STYLE_COLUMNS, style_row)
    return found


def holders(credential_kind: str) -> list[Therapist]:
    """The active therapists holding a verified credential of `credential_kind` (by id):
    who "any therapist" may be, before the dates are checked. Credentials that lapsed before
    the catalog's first day are not in it; none of them could cover a bookable time."""
    known = current()
    at = _THERAPIST_COLUMNS.index("id")
    rows = {row[at]: row for row in known.therapist_rows.values()}
    return [
        _therapist_of(rows[member.id])
        for member in sorted(known.team, key=lambda m: m.id)
        if any(c.kind == credential_kind for c in known.credentials.get(member.id, ()))
    ]
