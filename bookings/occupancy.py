"""Holds on slots that apps above bookings place, asked for by the schedule loader.

A slot can be occupied by something that is not an appointment: a waitlist offer holds its
time for the client it was offered to until it expires. The loader (`bookings.schedules`)
must count such holds, but bookings sits below the waitlist and may not import it. So an
app registers a *hold source* here (in its `AppConfig.ready`) and the loader asks every
source; a booking that takes over a hold passes a `Hold` to `booking_create`, which leaves
that hold out of the check and claims it in the booking's transaction.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet

# The columns every source yields, in this order (the loader UNIONs them with appointments
# in one query, so the loader's query count stays fixed however many sources there are).
COLUMNS = ("therapist_id", "room_id", "start", "occupied_until")


@dataclass(frozen=True)
class HoldWindow:
    """Which holds a source should yield: those occupying [start, end), still in force at
    `now`, except the hold `ignore_pk` of this source (a booking taking it over)."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    ignore_pk: int | None


# A source returns a values_list QuerySet of COLUMNS (no ordering) for the window.
HoldSource = Callable[[HoldWindow], QuerySet]

_sources: dict[str, HoldSource] = {}


def hold_source_register(name: str, source: HoldSource) -> None:
    """Make the loader count `source`'s holds; `name` is what `Hold.source` refers to."""
    _sources[name] = source


def hold_source_unregister(name: str) -> None:
    _sources.pop(name, None)


def hold_querysets(
    *, start: dt.datetime, end: dt.datetime, now: dt.datetime, ignore: "Hold | None" = None
) -> list[QuerySet]:
    """One QuerySet per registered source, for the loader to UNION with appointments."""
    return [
        source(
            HoldWindow(
                start=start,
                end=end,
                now=now,
                ignore_pk=ignore.pk if ignore is not None and ignore.source == name else None,
            )
        )
        for name, source in sorted(_sources.items())
    ]


class Hold(Protocol):
    """A held slot that a booking takes over (for example an accepted waitlist offer)."""

    source: str  # the name its hold source is registered under
    pk: int  # the held row, left out when the booking checks the slot

    def lock(self) -> None:
        """Lock the held row; `booking_create` calls it before its first write (lock order:
        hold rows before the schedule-version row that every schedule write takes)."""
        ...

    def claim(self, *, appointment, now: dt.datetime) -> bool:
        """Mark the hold taken by `appointment` inside the booking's transaction; False if
        it lapsed meanwhile (the booking then rolls back)."""
        ...
