"""The one place that speaks CalDAV (through the `caldav` library): open a therapist's
calendar, read its events in a window, write and remove the clinic's sessions.

Every failure becomes `CalendarError` with a sentence a therapist can act on (wrong
password, no calendar at that address, server not answering); the library's own exceptions
never leave this module. The availability engine never imports it: it reads only the busy
times the sync stored (`therapists.ExternalBusy`).
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import caldav
import icalendar
from caldav.lib import error as caldav_error
from django.conf import settings

# The clinic's own events carry this UID prefix, so a sync tells them from the therapist's.
UID_PREFIX = "ashiatsu-session-"


class CalendarError(Exception):
    """The calendar could not be used; `str()` says why, in words for the therapist."""


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    busy: bool


def _explain(problem: Exception) -> CalendarError:
    if isinstance(problem, caldav_error.AuthorizationError):
        return CalendarError(
            "The calendar server refused the user name or app password. Check both (an "
            "app password is made in your calendar account's security settings)."
        )
    if isinstance(problem, caldav_error.NotFoundError):
        return CalendarError(
            "There is no calendar at that address. Copy the calendar's CalDAV address "
            "from your calendar's settings."
        )
    if isinstance(problem, caldav_error.DAVError):
        return CalendarError(f"The calendar server answered with an error ({problem.reason}).")
    return CalendarError("The calendar server did not answer. Check the address, or try later.")


def open_calendar(url: str, username: str, password: str) -> caldav.Calendar:
    """The calendar at `url`, checked by reading its name (one request)."""
    try:
        client = caldav.DAVClient(
            url=url,
            username=username,
            password=password,
            enable_rfc6764=False,
            timeout=settings.THERAPIST_CALENDAR_TIMEOUT_SECONDS,
        )
        calendar = client.calendar(url=url)
        calendar.get_display_name()
    except Exception as problem:  # noqa: BLE001 - every failure is told in words
        raise _explain(problem) from problem
    return calendar


def _instant(value, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    return dt.datetime.combine(value, dt.time(), tz)  # an all-day event: local midnights


def events_between(
    calendar: caldav.Calendar, start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> list[Event]:
    """Every event (recurrences expanded) that meets [start, end)."""
    try:
        found = calendar.search(start=start, end=end, event=True, expand=True)
    except Exception as problem:  # noqa: BLE001
        raise _explain(problem) from problem
    events = []
    for item in found:
        for component in item.icalendar_instance.walk("VEVENT"):
            begins = component.get("dtstart")
            if begins is None:
                continue
            first = _instant(begins.dt, tz)
            ends = component.get("dtend")
            if ends is not None:
                last = _instant(ends.dt, tz)
            elif component.get("duration") is not None:
                last = first + component.get("duration").dt
            else:  # RFC 5545: a date-only event lasts its day, a timed one no time at all
                last = first + dt.timedelta(days=0 if isinstance(begins.dt, dt.datetime) else 1)
            transparent = str(component.get("transp", "OPAQUE")).upper() == "TRANSPARENT"
            cancelled = str(component.get("status", "")).upper() == "CANCELLED"
            events.append(
                Event(
                    uid=str(component.get("uid", "")),
                    start=first,
                    end=last,
                    summary=str(component.get("summary", "")),
                    busy=not transparent and not cancelled and first < last,
                )
            )
    return events


def event_put(
    calendar: caldav.Calendar, *, uid: str, start: dt.datetime, end: dt.datetime, summary: str
) -> None:
    """Write (or overwrite) one of the clinic's events: times and a summary, nothing else."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", start.astimezone(dt.UTC))
    event.add("dtend", end.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("transp", "OPAQUE")
    wrapper = icalendar.Calendar()
    wrapper.add("prodid", "-//Ashiatsu Clinic//Sessions//EN")
    wrapper.add("version", "2.0")
    wrapper.add_component(event)
    try:
        calendar.save_event(wrapper.to_ical().decode())
    except Exception as problem:  # noqa: BLE001
        raise _explain(problem) from problem


def event_remove(calendar: caldav.Calendar, uid: str) -> None:
    """Remove one of the clinic's events (gone already is fine)."""
    try:
        calendar.event_by_uid(uid).delete()
    except caldav_error.NotFoundError:
        return
    except Exception as problem:  # noqa: BLE001
        raise _explain(problem) from problem
