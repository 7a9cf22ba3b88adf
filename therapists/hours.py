"""Working hours in force on a date: the one rule the availability engine and the reports share.

Approved hours are dated (valid from / until, both inclusive local dates, either open), so a
change a manager approves takes effect from its first day while earlier weeks keep the hours
they had. Plain values only, no ORM: the engine's pure computation calls it on every day of a
window.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DatedHours:
    """One working interval on a weekday, in force from `valid_from` to `valid_until`."""

    weekday: int
    start: dt.time
    end: dt.time
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def reaches(self, first_day: dt.date) -> bool:
        """Still in force on or after `first_day` (a row that ended before cannot matter)."""
        return self.valid_until is None or self.valid_until >= first_day


def hours_on(rows: Iterable[DatedHours], day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The (start, end) intervals of `rows` in force on `day`, in order."""
    weekday = day.weekday()
    return sorted((r.start, r.end) for r in rows if r.weekday == weekday and r.in_force(day))
