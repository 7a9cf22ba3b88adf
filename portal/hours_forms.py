"""Forms of the therapist's own hours, time off and calendar connection (shape only: the
rules are `therapists.hours_changes` and `caldav_sync.sync`)."""

import datetime as dt

from django import forms

from therapists.models import Weekday

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class HoursProposalForm(forms.Form):
    """A whole week from a date: each day's start and end, both empty for a day off."""

    valid_from = forms.DateField(
        label="New hours start on", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="Note for the manager", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "hours_%s")  # two forms share the page: distinct ids
        super().__init__(*args, **kwargs)
        for day, name in Weekday.choices:
            self.fields[f"start_{day}"] = forms.TimeField(label=name, required=False, widget=TIME)
            self.fields[f"end_{day}"] = forms.TimeField(
                label=f"{name} until", required=False, widget=TIME
            )

    def days(self):
        """(weekday name, start field, end field) for the template's table."""
        return [(name, self[f"start_{day}"], self[f"end_{day}"]) for day, name in Weekday.choices]

    def clean(self):
        data = super().clean()
        week = []
        for day, name in Weekday.choices:
            start, end = data.get(f"start_{day}"), data.get(f"end_{day}")
            if (start is None) != (end is None):
                raise forms.ValidationError(f"{name}: give both a start and an end, or neither.")
            if start is not None:
                week.append((day, start, end))
        data["week"] = week
        return data


class TimeOffForm(forms.Form):
    start = forms.DateTimeField(
        label="Time off from", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label="Time off until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label="Reason (optional)", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "off_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            raise forms.ValidationError("Time off must end after it starts.")
        return data


class CalendarConnectForm(forms.Form):
    url = forms.URLField(
        label="Calendar address (CalDAV)",
        max_length=500,
        assume_scheme="https",
        help_text="From your calendar's settings, for example "
        "https://caldav.fastmail.com/dav/calendars/user/you@fastmail.com/Default/",
    )
    username = forms.CharField(label="User name", max_length=200)
    password = forms.CharField(
        label="App password",
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="An app password made for the clinic in your calendar account, not your "
        "main password. It is stored sealed and only used to reach this calendar.",
    )


def week_rows(rows) -> list[tuple[str, str]]:
    """(weekday, "09:00–17:00, …") for a list of (weekday, start, end)."""
    names = dict(Weekday.choices)
    by_day: dict[int, list[str]] = {}
    for day, start, end in rows:
        if isinstance(start, str):
            start, end = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
        by_day.setdefault(int(day), []).append(f"{start:%H:%M}–{end:%H:%M}")
    return [(names[d], ", ".join(by_day.get(d, [])) or "—") for d in range(7)]


def change_summary(change, tz) -> str:
    """One line for a request: "New hours from Mon 14 Dec 2026" / "Time off Sun 20 Dec 2026
    09:00–13:00" (both dates when it spans days)."""
    if change.valid_from is not None and change.start is None:
        return f"New hours from {change.valid_from:%a %d %b %Y}"
    start, end = change.start.astimezone(tz), change.end.astimezone(tz)
    if start.date() == end.date():
        return f"Time off {start:%a %d %b %Y %H:%M}–{end:%H:%M}"
    return f"Time off {start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M}"


def week_line(rows) -> str:
    """The working days of a proposed week: "Monday 10:00–15:00; Tuesday 10:00–15:00"."""
    return "; ".join(f"{day} {spans}" for day, spans in week_rows(rows) if spans != "—") or (
        "No working hours"
    )
