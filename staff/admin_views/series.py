"""Treatment plans from the admin (front desk, manager): book a series, see it, cancel it.

Two steps, so nobody books twelve sessions blind: (1) client record, service, therapist,
first session and rhythm -> "Check the dates" lists every date and whether it is free now,
with the nearest other times for those that are not; (2) the intake, asked on the client's
behalf once for the whole series, and "Book all N sessions", which `bookings.series` decides
again inside its transaction. A refusal shows the dates again with their reasons; choosing
an alternative for a date swaps it in. Bad input is a 400 with the form's messages, a
refused date a 409: nothing is written in either case.
"""

import datetime as dt
import re

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings import series
from bookings.forms import IntakeForm
from bookings.models import TreatmentPlan
from bookings.services import TAKEN, BookingError
from core.clock import clinic_tz
from staff.admin_forms import CancelForm, SeriesForm
from staff.admin_views.common import _context, local

REPLACE_PREFIX = "replace-"

CLIENT_KEY = re.compile(r"[1-9][0-9]{0,17}")


def _plan_url(plan: TreatmentPlan) -> str:
    return reverse("admin:bookings_treatmentplan_change", args=[plan.pk])


def _replacements(request: HttpRequest) -> tuple[dict[int, dt.datetime], str | None]:
    """The alternatives chosen for refused dates: replace-<session number> = ISO start."""
    chosen: dict[int, dt.datetime] = {}
    for key, value in request.POST.items():
        if not key.startswith(REPLACE_PREFIX) or not value:
            continue
        try:
            number = int(key.removeprefix(REPLACE_PREFIX))
            start = dt.datetime.fromisoformat(value)
        except ValueError:
            return {}, "One of the chosen alternative times is not a time."
        if start.tzinfo is None or not 1 <= number <= series.MAX_SESSIONS:
            return {}, "One of the chosen alternative times is not a time."
        chosen[number] = start
    return chosen, None


def series_add(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Book a treatment plan (see the module docstring for the two steps)."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    site = model_admin.admin_site
    booking = request.method == "POST" and "book" in request.POST
    editing = request.method == "POST" and "edit" in request.POST
    if request.method == "POST":
        form = SeriesForm(request.POST, admin_site=site)
    else:
        form = SeriesForm(admin_site=site, initial=_initial(request))
    intake_form = IntakeForm(request.POST if booking else None, prefix="intake")
    planned, refusal_message, status = None, None, 200
    replacements, bad_choice = _replacements(request) if request.method == "POST" else ({}, None)

    if request.method == "POST" and not editing and form.is_valid():
        data = form.cleaned_data
        shape = {
            "service": data["service"],
            "therapist": data["therapist"],
            "first_start": form.start(),
            "interval_weeks": data["interval_weeks"],
            "sessions": data["sessions"],
            "actor": request.user,
            "replacements": replacements,
        }
        if bad_choice:
            form.add_error(None, bad_choice)
        elif booking and intake_form.is_valid():
            try:
                result = series.series_book(
                    client=data["client"], answers=intake_form.answers(), **shape
                )
            except BookingError as error:
                refusals = getattr(error, "refusals", [])
                if refusals:
                    refusal_message = error.message
                    status = 409 if error.code == TAKEN else 400
                else:
                    form.add_error(None, error.message)
                    for key, message in error.errors.items():
                        target = key if key in intake_form.fields else None
                        if target:
                            intake_form.add_error(target, message)
            else:
                model_admin.log_addition(request, result.plan, [{"added": {}}])
                messages.success(
                    request,
                    f"Booked {len(result.bookings)} sessions for {result.plan.client}: "
                    f"{data['service'].name} with {data['therapist'].display_name}, every "
                    f"{data['interval_weeks']} week(s) from "
                    f"{local(result.plan.first_start):%A %d %B %Y, %H:%M}.",
                )
                return HttpResponseRedirect(_plan_url(result.plan))
        if not form.errors:
            try:
                planned = series.series_preview(**shape)
            except BookingError as error:
                form.add_error(None, error.message)
                for key, message in error.errors.items():
                    form.add_error(key if key in form.fields else None, message)
    if request.method == "POST" and (form.errors or intake_form.errors):
        status = 400
    return TemplateResponse(
        request,
        "admin/bookings/treatmentplan/add.html",
        _context(
            request,
            model_admin,
            title="Book a treatment plan",
            form=form,
            intake_form=intake_form,
            planned=None if editing else planned,
            rows=[{"session": p, "replaced": replacements.get(p.number)} for p in planned or ()],
            free_count=sum(1 for p in planned or () if p.refusal is None),
            refusal_message=refusal_message,
            media=model_admin.media + form.media,
        ),
        status=status,
    )


def _initial(request: HttpRequest) -> dict:
    initial = {
        "date": timezone.localdate(timezone=clinic_tz()) + dt.timedelta(days=1),
        "time": "10:00",
        "interval_weeks": 2,
        "sessions": 6,
    }
    initial.update(
        (key, request.GET[key])
        for key in ("client", "service", "therapist", "date", "time")
        if request.GET.get(key)
    )
    # The client box looks its initial value up by key: anything but a key (?client=x,
    # a number past the column) preselects nobody instead of failing the page.
    if "client" in initial and not CLIENT_KEY.fullmatch(initial["client"]):
        del initial["client"]
    return initial


def series_detail(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """The plan: its sessions (past and future, each linking to its page) and, for those
    who may change plans, "Cancel the rest of the series"."""
    plan = model_admin.get_object(request, unquote(object_id))
    if plan is None:
        return model_admin._get_obj_does_not_exist_redirect(
            request, model_admin.model._meta, object_id
        )
    if not model_admin.has_view_permission(request, plan):
        raise PermissionDenied
    sessions = list(plan.appointments.select_related("therapist", "room").order_by("start"))
    return TemplateResponse(
        request,
        "admin/bookings/treatmentplan/detail.html",
        _context(
            request,
            model_admin,
            title=f"Treatment plan {plan.pk}",
            plan=plan,
            sessions=sessions,
            cancel_form=CancelForm(initial={"reason": ""}),
            can_cancel=plan.cancelled_at is None
            and model_admin.has_change_permission(request, plan),
        ),
    )


@require_POST
def series_cancel_view(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Cancel every session still to come (through the one cancellation service)."""
    plan = model_admin.get_object(request, unquote(object_id))
    if plan is None:
        return model_admin._get_obj_does_not_exist_redirect(
            request, model_admin.model._meta, object_id
        )
    if not model_admin.has_change_permission(request, plan):
        raise PermissionDenied
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the series is cancelled (kept in each session's history).")
        return HttpResponseRedirect(_plan_url(plan))
    try:
        outcome = series.series_cancel(
            plan=plan, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except BookingError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_plan_url(plan))
    model_admin.log_change(request, plan, "Cancelled the series")
    text = f"Cancelled {len(outcome.cancelled)} session(s) still to come."
    if outcome.kept:
        text += " Kept: " + "; ".join(f"{a.reference} ({why})" for a, why in outcome.kept)
    messages.success(request, text)
    return HttpResponseRedirect(_plan_url(plan))
