"""What the desk's calendar shows for a window, as the plain JSON the calendar component reads.

Sessions carry the client's first name and three flags only (light pressure, needs
clearance, unconfirmed): the intake's answers and reasons are never read here. Shading
(outside working hours, time off, closed days) comes from the schedule catalog, the same
hours and time off the booking service checks against. Times are clinic wall-clock times
without an offset ("2026-03-02T10:00:00"): the calendar shows them as given, whatever the
browser's zone, and sends them back the same way (`parse_local`).

A window reads a fixed number of rows: the sessions in one query (with their client,
service, style, room and therapist joined), the therapists' names and the rooms in one each,
plus the catalog (from memory while it stands).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings import schedule_catalog
from bookings.models import Appointment, AppointmentStatus, Room
from health.models import IntakeOutcome
from therapists.hours import hours_on

THERAPISTS = "therapists"
ROOMS = "rooms"
MAX_DAYS = 14
UNCONFIRMED = {AppointmentStatus.AWAITING_DEPOSIT, AppointmentStatus.PENDING_REVIEW}
STYLE_COLOURS = 6  # style-0 .. style-5 in desk-calendar.css
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


class FeedError(ValueError):
    """A request the calendar cannot answer; the message says what was wrong."""


@dataclass(frozen=True)
class Window:
    first_day: dt.date
    days: int

    @property
    def last_day(self) -> dt.date:  # exclusive
        return self.first_day + dt.timedelta(days=self.days)

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        return (
            dt.datetime.combine(self.first_day, dt.time(), tz),
            dt.datetime.combine(self.last_day, dt.time(), tz),
        )


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise FeedError(f"The {name} date must look like 2026-03-02.") from None


def parse_window(start: str | None, end: str | None) -> Window:
    """The dates the calendar asks for (start inclusive, end exclusive), at most two weeks."""
    if not start or not end:
        raise FeedError("Give the start and end dates of the window.")
    first, last = _date(start, "start"), _date(end, "end")
    days = (last - first).days
    if days < 1 or days > MAX_DAYS:
        raise FeedError(f"The window must be 1 to {MAX_DAYS} days long.")
    return Window(first, days)


def parse_local(value: object, tz: ZoneInfo) -> dt.datetime:
    """A clinic wall-clock time from the calendar ("2026-03-02T10:15") made aware."""
    if not isinstance(value, str) or not _LOCAL.match(value):
        raise FeedError("The time must look like 2026-03-02T10:15.")
    try:
        naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FeedError("This time does not exist.") from None
    return timezone.make_aware(naive, tz)


def _wall(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds")


def therapist_resource(therapist_id: int) -> str:
    return f"t{therapist_id}"


def room_resource(room_id: int) -> str:
    return f"r{room_id}"


def resources(by: str) -> list[dict]:
    """The columns: active therapists (catalog order, by name) or active rooms."""
    if by == ROOMS:
        rooms = Room.objects.filter(active=True).order_by("name").values_list("pk", "name")
        return [{"id": room_resource(pk), "title": name} for pk, name in rooms]
    team = sorted(schedule_catalog.current().team, key=lambda m: m.display_name)
    return [{"id": therapist_resource(m.id), "title": m.display_name} for m in team]


def flags(appointment: Appointment) -> list[str]:
    """What the desk must see at a glance, and nothing more of the client's health."""
    found = []
    if appointment.intake.light_pressure_only:
        found.append("Light pressure")
    if appointment.intake.outcome == IntakeOutcome.NEEDS_CLEARANCE:
        found.append("Needs clearance")
    if appointment.status in UNCONFIRMED:
        found.append("Unconfirmed")
    return found


def sessions(window: Window, tz: ZoneInfo):
    """The window's sessions that hold a slot (cancelled ones do not), in one query, with
    the intake's outcome and pressure but never its answers or reasons."""
    start, end = window.bounds(tz)
    return (
        Appointment.objects.filter(start__lt=end, end__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("client", "service__style", "room", "therapist", "intake")
        .defer("intake__answers", "intake__reasons")
        .order_by("start", "pk")
    )


def session_event(appointment: Appointment, by: str, tz: ZoneInfo, now: dt.datetime) -> dict:
    status = appointment.status
    style = appointment.service.style
    first_name = (appointment.client.name.split() or ["?"])[0]
    movable = appointment.is_changeable and appointment.start > now
    resource = (
        room_resource(appointment.room_id)
        if by == ROOMS
        else therapist_resource(appointment.therapist_id)
    )
    return {
        "id": str(appointment.pk),
        "resourceIds": [resource],
        "start": _wall(appointment.start, tz),
        "end": _wall(appointment.end, tz),
        "title": first_name,
        "editable": movable,
        "classNames": [
            "session",
            f"status-{status.replace('_', '-')}",
            f"style-{style.pk % STYLE_COLOURS}",
        ],
        "extendedProps": {
            "kind": "session",
            "reference": appointment.reference,
            "client": first_name,
            "service": appointment.service.name,
            "style": style.name,
            "status": str(appointment.get_status_display()),
            "therapist": appointment.therapist.display_name,
            "room": appointment.room.name,
            "flags": flags(appointment),
            "movable": movable,
        },
    }


def _merged(hours: Iterable[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    merged: list[list[dt.time]] = []
    for start, end in sorted(hours):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _background(resource: str, start: str, end: str, kind: str, title: str) -> dict:
    return {
        "resourceIds": [resource] if resource else [],
        "start": start,
        "end": end,
        "display": "background",
        "classNames": [f"shade-{kind}"],
        "title": title,
        "extendedProps": {"kind": kind},
    }


def _hours_of(known, therapist_id: int, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The therapist's hours in force on `day`: undated weekly hours and the dated ones a
    manager approved (the same two the booking service checks)."""
    weekly = known.weekly_hours.get(therapist_id, {}).get(day.weekday(), [])
    return [*weekly, *hours_on(known.dated_hours.get(therapist_id, ()), day)]


def shading(window: Window, by: str, tz: ZoneInfo) -> list[dict]:
    """Closed days over every column; for therapists also time off and the hours outside
    their working hours (a day without hours is shaded whole)."""
    known = schedule_catalog.catalog(first_day=window.first_day, tz=tz)
    days = [window.first_day + dt.timedelta(days=n) for n in range(window.days)]
    shades = [
        _background("", f"{day}T00:00:00", f"{day + dt.timedelta(days=1)}T00:00:00", "closed", "")
        for day in days
        if day in known.closed_days
    ]
    if by != THERAPISTS:
        return shades
    start, end = window.bounds(tz)
    for member in known.team:
        resource = therapist_resource(member.id)
        for day in days:
            if day in known.closed_days:
                continue
            cursor = dt.time()
            hours = _merged(_hours_of(known, member.id, day))
            for begin, finish in hours:
                if begin > cursor:
                    shades.append(
                        _background(resource, f"{day}T{cursor}", f"{day}T{begin}", "off", "")
                    )
                cursor = finish
            if cursor != dt.time() or not hours:
                shades.append(
                    _background(
                        resource,
                        f"{day}T{cursor}",
                        f"{day + dt.timedelta(days=1)}T00:00:00",
                        "off",
                        "",
                    )
                )
        for away in known.time_off.get(member.id, ()):
            if away.end > start and away.start < end:
                shades.append(
                    _background(
                        resource, _wall(away.start, tz), _wall(away.end, tz), "away", "Time off"
                    )
                )
    return shades


def feed(window: Window, by: str, tz: ZoneInfo) -> list[dict]:
    """Everything the calendar draws for `window` in the `by` columns."""
    if by not in (THERAPISTS, ROOMS):
        raise FeedError("Show the calendar by therapists or by rooms.")
    now = timezone.now()
    events = [session_event(a, by, tz, now) for a in sessions(window, tz)]
    return events + shading(window, by, tz)


def visible_hours(tz: ZoneInfo) -> tuple[str, str]:
    """The rows the calendar shows: an hour either side of the earliest start and latest
    end in anyone's working hours (08:00-19:00 when nobody has hours yet)."""
    known = schedule_catalog.current()
    spans = [
        span for weekly in known.weekly_hours.values() for day in weekly.values() for span in day
    ] + [(h.start, h.end) for dated in known.dated_hours.values() for h in dated]
    if not spans:
        return "08:00:00", "19:00:00"
    first = max(min(s for s, _ in spans).hour - 1, 0)
    last = min(
        max(e for _, e in spans).hour + 1 + (1 if max(e for _, e in spans).minute else 0), 24
    )
    return f"{first:02d}:00:00", f"{last:02d}:00:00"
