"""Therapists' own hours and time off: proposed by the therapist, decided by a manager.

A proposal changes nothing by itself. Approving new hours ends the therapist's hours in force
on the proposal's first day the day before (rows that would only have started on or after it
are dropped: they never applied) and adds the proposed week from that day, so every earlier
date keeps the hours it had (availability and past reports read them per date). Approving
time off adds a `TimeOff` row. Neither cancels a booked session: the manager sees the
sessions left uncovered before deciding (`bookings.hours_review`) and the desk moves them.
Messages are in English, like the rest of the therapist portal and the admin.
"""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from therapists.models import (
    ChangeKind,
    ChangeStatus,
    HoursChange,
    Therapist,
    TimeOff,
    WorkingHours,
)

# Longest time off one request may ask for, and how far ahead hours may be proposed.
MAX_TIME_OFF = dt.timedelta(days=92)
MAX_AHEAD = dt.timedelta(days=366)


def _check_week(hours: Sequence[tuple[int, dt.time, dt.time]]) -> list[list]:
    rows = []
    for weekday, start, end in sorted(hours):
        if not 0 <= weekday <= 6:
            raise ValidationError("A weekday must be Monday to Sunday.")
        if start >= end:
            raise ValidationError("Each working interval must end after it starts.")
        rows.append([weekday, start.strftime("%H:%M"), end.strftime("%H:%M")])
    for (day_a, _a, end_a), (day_b, start_b, _b) in zip(rows, rows[1:], strict=False):
        if day_a == day_b and start_b < end_a:
            raise ValidationError("Two working intervals on one day overlap.")
    return rows


def hours_propose(
    *,
    therapist: Therapist,
    valid_from: dt.date,
    hours: Sequence[tuple[int, dt.time, dt.time]],
    today: dt.date,
    note: str = "",
) -> HoursChange:
    """A therapist asks for a new weekly pattern from `valid_from` (tomorrow at the earliest:
    today's sessions are already planned around today's hours)."""
    if valid_from <= today:
        raise ValidationError("New hours can start tomorrow at the earliest.")
    if valid_from > today + MAX_AHEAD:
        raise ValidationError("New hours can start at most a year ahead.")
    return HoursChange.objects.create(
        therapist=therapist,
        kind=ChangeKind.HOURS,
        valid_from=valid_from,
        hours=_check_week(hours),
        note=note,
    )


def time_off_request(
    *, therapist: Therapist, start: dt.datetime, end: dt.datetime, note: str = ""
) -> HoursChange:
    """A therapist asks for time off (a holiday, a course, an appointment of their own)."""
    if start >= end:
        raise ValidationError("Time off must end after it starts.")
    if start < timezone.now():
        raise ValidationError("Time off cannot start in the past.")
    if end - start > MAX_TIME_OFF:
        raise ValidationError("Ask for at most three months of time off at once.")
    return HoursChange.objects.create(
        therapist=therapist, kind=ChangeKind.TIME_OFF, start=start, end=end, note=note
    )


def change_withdraw(*, change: HoursChange, therapist: Therapist) -> bool:
    """The therapist takes back their own proposal while it waits; False if already decided."""
    return bool(
        HoursChange.objects.filter(
            pk=change.pk, therapist=therapist, status=ChangeStatus.PENDING
        ).update(status=ChangeStatus.WITHDRAWN)
    )


def _claim(change: HoursChange, status: str, actor: AbstractBaseUser, note: str) -> bool:
    now = timezone.now()
    claimed = HoursChange.objects.filter(pk=change.pk, status=ChangeStatus.PENDING).update(
        status=status, decided_at=now, decided_by=actor, decision_note=note[:200]
    )
    if claimed:
        change.status, change.decided_at, change.decided_by = status, now, actor
    return bool(claimed)


def _hours_apply(change: HoursChange) -> None:
    first = change.valid_from
    current = WorkingHours.objects.filter(therapist_id=change.therapist_id)
    current.filter(valid_from__gte=first).delete()
    current.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first)).update(
        valid_until=first - dt.timedelta(days=1)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist_id=change.therapist_id,
            weekday=row.weekday,
            start=row.start,
            end=row.end,
            valid_from=first,
        )
        for row in change.hour_rows()
    )


@transaction.atomic
def change_approve(*, change: HoursChange, actor: AbstractBaseUser, note: str = "") -> bool:
    """A manager approves: the hours or time off apply (False if it was already decided)."""
    Therapist.objects.select_for_update().filter(pk=change.therapist_id).first()
    if not _claim(change, ChangeStatus.APPROVED, actor, note):
        return False
    if change.kind == ChangeKind.HOURS:
        _hours_apply(change)
    else:
        TimeOff.objects.create(
            therapist_id=change.therapist_id,
            start=change.start,
            end=change.end,
            reason=change.note or "Requested by the therapist",
        )
    return True


def change_decline(*, change: HoursChange, actor: AbstractBaseUser, note: str = "") -> bool:
    """A manager declines: nothing changes (False if it was already decided)."""
    return _claim(change, ChangeStatus.DECLINED, actor, note)
