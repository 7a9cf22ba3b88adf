"""Open minutes: the working time a therapist or room offers per week, from the working hours
in force on each day (dated rows, a handful, never appointments) minus time off and closed days, per local day (a
DST day is an hour shorter or longer).
"""

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

from reports.period import Period
from therapists.hours import DatedHours, hours_on

MINUTE = dt.timedelta(minutes=1)


def merged_hours(intervals: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    """Working-hour intervals of one weekday with overlaps joined, in order."""
    merged: list[list[dt.time]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def hours_in_force(rows: list[DatedHours], day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The working intervals of `rows` in force on `day`, overlaps joined."""
    return merged_hours(hours_on(rows, day))


@lru_cache(maxsize=8192)
def _real_span(
    day: dt.date, start: dt.time, end: dt.time, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """A wall-clock interval of `day` as UTC instants (a DST day is an hour shorter or longer)."""
    return (
        dt.datetime.combine(day, start, tz).astimezone(dt.UTC),
        dt.datetime.combine(day, end, tz).astimezone(dt.UTC),
    )


def open_minutes_by_week(
    hours_of: Callable[[dt.date], list[tuple[dt.time, dt.time]]],
    away: list[tuple[dt.datetime, dt.datetime]],
    closed: set[dt.date],
    period: Period,
) -> dict[dt.date, int]:
    """Minutes of working time per week: working hours on open days minus time off.
    `hours_of(day)`: the merged working intervals in force on that day."""
    tz = period.tz
    away = sorted(away)
    away_starts = [a for a, _ in away]
    result: dict[dt.date, int] = defaultdict(int)
    for day in period.days:
        if day in closed:
            continue
        monday = day - dt.timedelta(days=day.weekday())
        for start, end in hours_of(day):
            lo, hi = _real_span(day, start, end, tz)
            if hi <= lo:
                continue
            minutes = (hi - lo) // MINUTE
            # Time off that overlaps [lo, hi): spans are merged, so nothing counts twice.
            i = max(bisect_left(away_starts, lo) - 1, 0)
            while i < len(away) and away[i][0] < hi:
                a, b = away[i]
                if b > lo:
                    minutes -= (min(b, hi) - max(a, lo)) // MINUTE
                i += 1
            result[monday] += max(minutes, 0)
    return result


def merge_instants(spans: list[tuple[dt.datetime, dt.datetime]]):
    """Time-off spans with overlaps joined, so nothing is subtracted twice."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]
