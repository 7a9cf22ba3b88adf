"""The booked sessions a therapist's proposed hours or time off would leave uncovered.

A manager deciding a proposal sees them first (as the expiring-credentials page lists the
sessions a lapse touches); approving never cancels them, the desk moves them. A session is
uncovered by new hours when, on its local date from the proposal's first day, it does not
lie inside one working stretch of that weekday; by time off when the two overlap.
"""

import datetime as dt

from django.db.models import QuerySet

from bookings.models import Appointment
from core.clock import clinic_tz
from therapists.hours import hours_on
from therapists.models import ChangeKind, HoursChange


def _merged(intervals: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    merged: list[list[dt.time]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _upcoming(change: HoursChange) -> QuerySet:
    return (
        Appointment.objects.active()
        .filter(therapist_id=change.therapist_id)
        .select_related("client", "service")
        .order_by("start")
    )


def uncovered_sessions(change: HoursChange) -> list[Appointment]:
    """The therapist's booked sessions the change would leave outside their hours."""
    if change.kind == ChangeKind.TIME_OFF:
        return list(_upcoming(change).overlapping(change.start, change.end))
    tz = clinic_tz()
    first = dt.datetime.combine(change.valid_from, dt.time(), tz)
    rows = change.hour_rows()
    uncovered = []
    for appointment in _upcoming(change).filter(start__gte=first):
        start, end = appointment.start.astimezone(tz), appointment.end.astimezone(tz)
        spans = _merged(hours_on(rows, start.date()))
        inside = start.date() == end.date() and any(
            a <= start.time() and end.time() <= b for a, b in spans
        )
        if not inside:
            uncovered.append(appointment)
    return uncovered
