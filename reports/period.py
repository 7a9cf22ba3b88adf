"""The date range a report covers: whole ISO weeks in the clinic's time zone.

The manager picks any two dates; the range widens to whole weeks (Monday of the first date to
Sunday of the last), because every figure is weekly and a part-week would compare badly with
full ones. Ranges are bounded (at most 53 weeks, no earlier than 2015, no later than a year
ahead) so a mistyped year cannot ask the database for a century.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone

from bookings.workload import iso_monday

MAX_WEEKS = 53
EARLIEST = dt.date(2015, 1, 1)
DEFAULT_WEEKS = 12


def clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """Local dates `first_monday` .. `last_sunday`, and the same span as real instants."""

    first_monday: dt.date
    last_sunday: dt.date

    @classmethod
    def covering(cls, first: dt.date, last: dt.date) -> "Period":
        return cls(iso_monday(first), iso_monday(last) + dt.timedelta(days=6))

    @property
    def tz(self) -> ZoneInfo:
        return clinic_tz()

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_monday, dt.time(), self.tz)

    @property
    def end(self) -> dt.datetime:
        """Exclusive: local midnight after the last Sunday (DST-exact)."""
        return dt.datetime.combine(self.last_sunday + dt.timedelta(days=1), dt.time(), self.tz)

    @property
    def mondays(self) -> list[dt.date]:
        weeks = (self.last_sunday - self.first_monday).days // 7 + 1
        return [self.first_monday + dt.timedelta(weeks=i) for i in range(weeks)]

    @property
    def days(self) -> list[dt.date]:
        count = (self.last_sunday - self.first_monday).days + 1
        return [self.first_monday + dt.timedelta(days=i) for i in range(count)]

    def query(self) -> str:
        return f"start={self.first_monday.isoformat()}&end={self.last_sunday.isoformat()}"


def default_period(today: dt.date | None = None) -> Period:
    """The last DEFAULT_WEEKS weeks, this one included."""
    today = today or timezone.localdate(timezone=clinic_tz())
    return Period.covering(today - dt.timedelta(weeks=DEFAULT_WEEKS - 1), today)


class PeriodForm(forms.Form):
    """The date-range picker: two dates, checked for order and bounds."""

    start = forms.DateField(label="Report from", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Report to", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        first, last = data.get("start"), data.get("end")
        if first is None or last is None:
            return data
        latest = timezone.localdate(timezone=clinic_tz()) + dt.timedelta(days=366)
        if first < EARLIEST or last > latest:
            raise forms.ValidationError(
                f"Choose dates between {EARLIEST:%d %b %Y} and {latest:%d %b %Y}."
            )
        if first > last:
            raise forms.ValidationError("The first date must not be after the last date.")
        period = Period.covering(first, last)
        if len(period.mondays) > MAX_WEEKS:
            raise forms.ValidationError(
                f"Choose at most {MAX_WEEKS} weeks (a year); this range spans "
                f"{len(period.mondays)}."
            )
        data["period"] = period
        return data


def period_from(params) -> tuple[Period | None, PeriodForm]:
    """The period a request asks for (the default one when it names none), or None with the
    bound form's errors."""
    if "start" not in params and "end" not in params:
        period = default_period()
        form = PeriodForm(initial={"start": period.first_monday, "end": period.last_sunday})
        return period, form
    form = PeriodForm(params)
    if form.is_valid():
        return form.cleaned_data["period"], form
    return None, form
