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

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext

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


def clock(moment: dt.datetime, zone: str = "") -> str:
    """The time as the client's language writes it ("10:00 AM" in en-US, Django's TIME_FORMAT
    for the active language), with the zone abbreviation when ambiguous or `zone="always"`.
    Client pages use this; staff pages keep the 24-hour `wall_time`."""
    local = moment if timezone.is_naive(moment) else timezone.localtime(moment)
    text = formats.time_format(local, "TIME_FORMAT")
    if timezone.is_aware(local) and (zone == ALWAYS or is_ambiguous(local)):
        text += f" {local.tzname()}"
    return text


def zone_name(moment: dt.datetime | dt.date | None = None) -> str:
    """The clinic's zone as a person reads it: "New York time (EST)" (of that moment or day:
    EDT in summer)."""
    if moment is not None and not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12), tzinfo=timezone.get_current_timezone())
    local = timezone.localtime(moment or timezone.now())
    city = str(timezone.get_current_timezone()).rsplit("/", 1)[-1].replace("_", " ")
    return gettext("%(city)s time (%(abbreviation)s)") % {
        "city": city,
        "abbreviation": local.tzname(),
    }


def ics_utc(moment: dt.datetime) -> dt.datetime:
    """An instant for DTSTART/DTEND: UTC, written as 20271107T053000Z, never ambiguous."""
    return moment.astimezone(dt.UTC)


# --- Dates the clinic can reason about ----------------------------------------------------

# Not a booking rule (the services decide what is bookable): a sanity bound, so that a date
# such as 0001-01-01 or 9999-12-31 in a URL, a form or the API is refused with a clear
# message instead of overflowing date arithmetic (years 1 and 9999 have no neighbours).
REACH = dt.timedelta(days=3650)
REACH_MESSAGE = "Choose a date within ten years of today."


def date_within_reach(day: dt.date, *, today: dt.date | None = None) -> bool:
    """True when `day` is within ten years of today (the clinic's today)."""
    today = today or timezone.localdate()
    return abs(day - today) <= REACH


def moment_within_reach(moment: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    """True when an aware `moment` is within ten years of now. Subtracting aware datetimes
    never overflows, so this is safe to ask about 9999-12-31T23:59-14:00 (which cannot be
    converted to UTC or to the clinic's zone at all)."""
    return abs(moment - (now or timezone.now())) <= REACH


class DayField(forms.DateField):
    """A day in a form or a query string (`?date=`, `?start=`): YYYY-MM-DD only (the one
    format every date input and link sends), within ten years of today, or a clear form
    error. The one way a page reads a day, so none of them does arithmetic on 9999-12-31."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not date_within_reach(value):
            raise forms.ValidationError(REACH_MESSAGE, code="out_of_reach")
