"""How clinic times are written for people and for calendar files, in one place.

The clinic's clock goes back once a year (in New York: 02:00 EDT becomes 01:00 EST on the
first Sunday of November), so one wall time, e.g. 01:30, happens twice that night. A time
written without its offset is then ambiguous: a 60-minute session from 01:30 EDT ends at
01:30 EST and reads "01:30–01:30"; an .ics file with local TZID times cannot tell the two
01:30s apart and calendars put the second one an hour early.

So:
- people see the wall time, and the zone abbreviation (EDT/EST) whenever that wall time is
  ambiguous (`wall_time`; the `wall_time` template filter in `clinic_time` wraps it);
- calendar files carry UTC (`ics_utc`), which every calendar converts exactly.

It lives in `therapists`, the lowest app that shows times (the portal, the feed), so that
`bookings` and `waitlist` can use it too without an import pointing up.
"""

import datetime as dt

from django.utils import timezone

ALWAYS = "always"


def is_ambiguous(local: dt.datetime) -> bool:
    """True when this local wall time happens twice (the autumn night's repeated hour)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def wall_time(moment: dt.datetime, zone: str = "") -> str:
    """ "14:30" in the clinic's zone; "01:30 EDT" when 01:30 is ambiguous that night.

    `zone="always"` appends the abbreviation in any case (the end of a "When" line).
    """
    if timezone.is_naive(moment):  # already a wall time (a form's value): nothing to add
        return f"{moment:%H:%M}"
    local = timezone.localtime(moment)
    text = f"{local:%H:%M}"
    if zone == ALWAYS or is_ambiguous(local):
        text += f" {local.tzname()}"
    return text


def ics_utc(moment: dt.datetime) -> dt.datetime:
    """An instant for DTSTART/DTEND: UTC, written as 20271107T053000Z, never ambiguous."""
    return moment.astimezone(dt.UTC)
