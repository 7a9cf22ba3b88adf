"""The therapist's own hours, time off and calendar, in the portal (/therapist/hours/).

A therapist proposes a new week of working hours from a date, or asks for time off; a
manager decides in the admin (`staff.admin_hours`). They also connect their own calendar
by CalDAV (`caldav_sync.sync`). Every page and action is the signed-in therapist's own:
proposals are looked up by therapist, so another's answers 404; staff without a therapist
profile get 404 too (the desk sees proposals in the admin).
"""

import datetime as dt
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from caldav_sync.client import CalendarError
from caldav_sync.sync import calendar_connect, calendar_disconnect
from caldav_sync.tasks import calendar_sync_task
from core.clock import clinic_today, clinic_tz
from portal.hours_forms import (
    CalendarConnectForm,
    HoursProposalForm,
    TimeOffForm,
    change_summary,
    week_line,
    week_rows,
)
from portal.views import _therapist_for
from therapists.hours_changes import change_withdraw, hours_propose, time_off_request
from therapists.models import CalendarConnection, ChangeKind, HoursChange, WorkingHours

SHOWN = 20  # proposals listed, newest first


def _hours_context(therapist, **extra) -> dict:
    today, tz = clinic_today(), clinic_tz()
    in_force = WorkingHours.objects.filter(therapist=therapist).in_force_between(today, today)
    later = (
        WorkingHours.objects.filter(therapist=therapist, valid_from__gt=today)
        .order_by("valid_from", "weekday", "start")
        .values_list("valid_from", "weekday", "start", "end")
    )
    upcoming: dict[dt.date, list] = {}
    for first, *row in later:
        upcoming.setdefault(first, []).append(row)
    changes = list(HoursChange.objects.filter(therapist=therapist)[:SHOWN])
    return {
        "therapist": therapist,
        "today": today,
        "current": week_rows(in_force.values_list("weekday", "start", "end")),
        "upcoming": [(first, week_rows(rows)) for first, rows in upcoming.items()],
        "changes": [
            (c, change_summary(c, tz), week_line(c.hours) if c.kind == ChangeKind.HOURS else "")
            for c in changes
        ],
        "hours_form": HoursProposalForm(initial={"valid_from": today + dt.timedelta(days=7)}),
        "time_off_form": TimeOffForm(),
        **extra,
    }


@never_cache
@login_required
@require_safe
def hours(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    return render(request, "therapists/hours.html", _hours_context(therapist))


def _refused(request, therapist, **forms) -> HttpResponse:
    return render(request, "therapists/hours.html", _hours_context(therapist, **forms), status=400)


@never_cache
@login_required
@require_POST
def hours_new(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    form = HoursProposalForm(request.POST)
    if not form.is_valid():
        return _refused(request, therapist, hours_form=form)
    try:
        hours_propose(
            therapist=therapist,
            valid_from=form.cleaned_data["valid_from"],
            hours=form.cleaned_data["week"],
            today=clinic_today(),
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _refused(request, therapist, hours_form=form)
    messages.success(request, "Your new hours were sent to the clinic manager for approval.")
    return redirect("therapists:hours")


@never_cache
@login_required
@require_POST
def time_off_new(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    form = TimeOffForm(request.POST)
    if not form.is_valid():
        return _refused(request, therapist, time_off_form=form)
    tz = clinic_tz()
    try:
        time_off_request(
            therapist=therapist,
            start=timezone.make_aware(form.cleaned_data["start"].replace(tzinfo=None), tz),
            end=timezone.make_aware(form.cleaned_data["end"].replace(tzinfo=None), tz),
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _refused(request, therapist, time_off_form=form)
    messages.success(request, "Your time off request was sent to the clinic manager.")
    return redirect("therapists:hours")


@never_cache
@login_required
@require_POST
def change_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    therapist = _therapist_for(request)
    change = get_object_or_404(HoursChange, pk=pk, therapist=therapist)
    if change_withdraw(change=change, therapist=therapist):
        messages.success(request, "Request withdrawn.")
    else:
        messages.error(request, "This request was already decided, so it cannot be withdrawn.")
    return redirect("therapists:hours")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def own_calendar(request: HttpRequest) -> HttpResponse:
    """Connect the therapist's own calendar; a wrong address or password is said in words."""
    therapist = _therapist_for(request)
    connection = CalendarConnection.objects.filter(therapist=therapist).first()
    form = CalendarConnectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                connection = calendar_connect(therapist=therapist, **form.cleaned_data)
            except (CalendarError, ValidationError) as error:
                said = error.messages[0] if isinstance(error, ValidationError) else str(error)
                form.add_error(None, said)
            else:
                # The first sync at once, in the worker (a slow calendar never holds the page).
                transaction.on_commit(partial(calendar_sync_task.enqueue, connection.pk))
                messages.success(
                    request,
                    "Your calendar is connected. Busy times in it block your bookable times "
                    "from the first sync (within a few minutes); your sessions appear in it.",
                )
                return redirect("therapists:own_calendar")
        status = 400
    context = {
        "therapist": therapist,
        "today": clinic_today(),
        "connection": connection,
        "form": form,
        "tz": clinic_tz(),
    }
    return render(request, "therapists/own_calendar.html", context, status=status)


@never_cache
@login_required
@require_POST
def own_calendar_disconnect(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    calendar_disconnect(therapist=therapist)
    messages.success(request, "Your calendar is disconnected; its busy times no longer count.")
    return redirect("therapists:own_calendar")
