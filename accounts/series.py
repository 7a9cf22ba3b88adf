"""A signed-in client books their session as a treatment plan, or cancels a plan's rest.

Thin views over `bookings.series` (the rule). The client starts from one of their own
bookings (the confirmation page or /account/): it becomes session 1 and the others follow
every K weeks with the same therapist at the same clinic time. The intake is the one the
client gave for that booking, read as their own answers (logged); they confirm it still
holds. Only services that allow a series online, only the client's own bookings: anything
else is a 404 (not theirs) or a page saying why (403), never a half-booked plan.
"""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.forms import SeriesRepeatForm
from accounts.views import _signed_in
from bookings import privacy, series
from bookings.models import Appointment, TreatmentPlan
from bookings.services import TAKEN, BookingError
from core import rate_limits

REPLACE_PREFIX = "replace-"


def _own_appointment(request: HttpRequest, reference: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("service", "therapist", "intake")
        .filter(reference=reference.upper(), client=request.client_record)
        .first()
    )
    if appointment is None:
        raise Http404("No booking of yours has this reference.")
    return appointment


def _replacements(request: HttpRequest) -> dict[int, dt.datetime] | None:
    """Alternatives the client picked for refused dates; None when one is not a time."""
    chosen = {}
    for key, value in request.POST.items():
        if key.startswith(REPLACE_PREFIX) and value:
            try:
                number, start = (
                    int(key.removeprefix(REPLACE_PREFIX)),
                    dt.datetime.fromisoformat(value),
                )
            except ValueError:
                return None
            if start.tzinfo is None:
                return None
            chosen[number] = start
    return chosen


@never_cache
@ratelimit(group=rate_limits.BOOKING, key="ip", rate=rate_limits.booking_rate, method="POST")
@require_http_methods(["GET", "POST"])
@_signed_in
def series_repeat(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the rhythm. POST "check": the dates, free or not (with alternatives).
    POST "book": the whole series or nothing."""
    record = request.client_record
    anchor = _own_appointment(request, reference)
    now = timezone.now()
    refusal = series.repeat_refusal(appointment=anchor, record=record, now=now)
    if refusal:
        return render(
            request, "accounts/series.html", {"anchor": anchor, "refusal": refusal}, status=403
        )
    form = SeriesRepeatForm(request.POST or None)
    planned, error_message, status = None, "", 200
    if request.method == "POST":
        replacements = _replacements(request)
        if replacements is None:
            form.add_error(None, "One of the chosen times is not a time. Please choose again.")
        if form.is_valid():
            shape = {
                "service": anchor.service,
                "therapist": anchor.therapist,
                "first_start": anchor.start,
                "interval_weeks": form.cleaned_data["interval_weeks"],
                "sessions": form.cleaned_data["sessions"],
                "replacements": replacements,
                "anchor": anchor,
            }
            if "book" in request.POST:
                answers = privacy.read_own_intake_answers(
                    appointment=anchor, client=record, where="series booking, own answers"
                )
                try:
                    result = series.series_book(client=record, answers=answers, **shape)
                except BookingError as error:
                    error_message = error.message
                    status = 409 if error.code == TAKEN else 400
                else:
                    messages.success(
                        request,
                        f"Booked: {len(result.bookings) + 1} sessions with "
                        f"{anchor.therapist.display_name}, every "
                        f"{result.plan.interval_weeks} week(s). Each session's confirmation "
                        "is in your e-mail.",
                    )
                    return redirect("accounts:account")
            try:
                planned = series.series_preview(**shape)
            except BookingError as error:
                error_message, status = error.message, 400
        else:
            status = 400
    return render(
        request,
        "accounts/series.html",
        {
            "anchor": anchor,
            "form": form,
            "planned": planned,
            "all_free": planned is not None and all(p.refusal is None for p in planned),
            "error_message": error_message,
            "replacements": (
                {n: s.isoformat() for n, s in replacements.items()}
                if request.method == "POST" and replacements
                else {}
            ),
        },
        status=status,
    )


@never_cache
@require_POST
@_signed_in
def series_cancel(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Cancel the sessions of one's own plan still to come (those past the client's cut-off
    stay: the page says to call the clinic)."""
    plan = TreatmentPlan.objects.filter(pk=plan_id, client=request.client_record).first()
    if plan is None:
        raise Http404("No series of yours has this number.")
    try:
        outcome = series.series_cancel(plan=plan, actor=None, reason="Cancelled by the client")
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("accounts:account")
    text = f"Cancelled {len(outcome.cancelled)} session(s) of your series."
    if outcome.kept:
        text += (
            f" {len(outcome.kept)} session(s) too close to change online stay booked: "
            "please call the clinic."
        )
    messages.success(request, text)
    return redirect("accounts:account")
