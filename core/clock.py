"""The clinic's clock: what "now", "today" and "09:00" mean at the clinic.

Times are stored in UTC and shown and scheduled in `CLINIC_TIME_ZONE`. Django's current time
zone is the same by default, but a page or task may activate another; these helpers always
answer in the clinic's zone, so "today" on a schedule never depends on who asks.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def clinic_now() -> dt.datetime:
    """The current moment, as clinic wall time."""
    return timezone.localtime(timezone.now(), clinic_tz())


def clinic_today(now: dt.datetime | None = None) -> dt.date:
    """The clinic's local date at `now` (default: the current moment)."""
    return timezone.localdate(now or timezone.now(), clinic_tz())


def localise(moment: dt.datetime) -> dt.datetime:
    """An aware moment as clinic wall time."""
    return timezone.localtime(moment, clinic_tz())


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 of `day` at the clinic. Combining with the zone (not adding 24 h to the day
    before) keeps a day right across a daylight-saving change."""
    return dt.datetime.combine(day, dt.time(), clinic_tz())
