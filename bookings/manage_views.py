"""Manage my booking: the client's private page behind the link in every e-mail, with the
calendar file, cancelling and moving, each through `bookings.booking_changes`.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings import clients, series
from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.forms import DateForm
from bookings.ics import appointment_calendar
from bookings.models import Appointment, is_reference
from bookings.services import BookingError
from bookings.views import DAYS_SHOWN, _first_day, _parse_start, _shown, _slot_days
from core import client_sections, rate_limits
from health.guidance import what_to_bring
from therapists.clinic_time import ics_utc

# --- Manage my booking ------------------------------------------------------------------


def _appointment_for(reference: str, token: str) -> Appointment:
    """The appointment whose private link this is; 404 for a wrong reference or token alike."""
    reference = reference.upper()
    if not is_reference(reference):
        raise Http404(_("No booking matches this link."))
    appointment = (
        Appointment.objects.select_related(
            "service__style", "therapist", "room", "client", "intake"
        )
        .filter(reference=reference)
        .first()
    )
    if appointment is None or not appointment.manage_token_matches(token):
        raise Http404(_("No booking matches this link."))
    return appointment


def _calendar_link(appointment: Appointment, manage_url: str) -> str:
    """A Google Calendar "add event" link (UTC times, so no zone can be misread)."""
    stamp = "%Y%m%dT%H%M%SZ"
    dates = f"{ics_utc(appointment.start):{stamp}}/{ics_utc(appointment.end):{stamp}}"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": f"{appointment.service.name} with {appointment.therapist.display_name}",
            "dates": dates,
            "location": f"{settings.CLINIC_NAME}, {settings.CLINIC_ADDRESS}",
            "details": f"Booking {appointment.reference}. View, move or cancel: {manage_url}",
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def _manage_context(appointment: Appointment, **extra) -> dict:
    now = timezone.now()
    return {
        "appointment": appointment,
        "what_to_bring": what_to_bring(appointment.service.style.slug),
        "directions_url": "https://www.google.com/maps/search/?"
        + urlencode({"api": "1", "query": settings.CLINIC_ADDRESS}),
        "can_change": appointment.client_can_change(now),
        "deadline": timezone.localtime(appointment.client_change_deadline()),
        **extra,
    }


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
def manage(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    appointment = _appointment_for(reference, token)
    manage_url = request.build_absolute_uri(
        reverse("bookings:manage", args=[appointment.reference, token])
    )
    record = getattr(request, "client_record", None)
    if clients.booking_mailbox_proven(
        appointment=appointment, proof=request.GET.get("proof", ""), record=record
    ):
        appointment.refresh_from_db(fields=["client"])
    context = _manage_context(
        appointment,
        token=token,
        is_new=request.GET.get("new") == "1",
        calendar_link=_calendar_link(appointment, manage_url),
        # A signed-in client may repeat their own session as a plan (bookings/series.py).
        can_repeat_as_series=record is not None
        and not series.repeat_refusal(appointment=appointment, record=record, now=timezone.now()),
        # What apps above add for the signed-in client (payments: their package's session)
        sections=client_sections.sections_render(client_sections.MANAGE, request, appointment),
    )
    return render(request, "bookings/manage.html", context)


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
def manage_ics(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The booking as a calendar file (Apple Calendar, Outlook), the same one the e-mail has."""
    appointment = _appointment_for(reference, token)
    manage_url = request.build_absolute_uri(
        reverse("bookings:manage", args=[appointment.reference, token])
    )
    response = HttpResponse(
        appointment_calendar(appointment, manage_url=manage_url), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="{appointment.reference}.ics"'
    return response


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """Ask first (GET), cancel on the confirming POST: one stray click must not cancel."""
    appointment = _appointment_for(reference, token)
    if request.method == "GET":
        if not appointment.client_can_change(timezone.now()):
            return redirect("bookings:manage", appointment.reference, token)
        return render(
            request, "bookings/manage_cancel.html", _manage_context(appointment, token=token)
        )
    try:
        booking_cancel(appointment=appointment, reason="Cancelled by the client online")
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your booking is cancelled. We hope to see you another time."))
    return redirect("bookings:manage", appointment.reference, token)


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def manage_reschedule(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    appointment = _appointment_for(reference, token)
    if not appointment.client_can_change(timezone.now()):
        messages.error(request, _("This booking can no longer be changed online. Please call us."))
        return redirect("bookings:manage", appointment.reference, token)
    error = None
    if request.method == "POST":
        start = _parse_start(request.POST.get("start"))
        if start is None:
            error = _("Please choose a new time.")
        else:
            try:
                booking_reschedule(appointment=appointment, start=start)
            except BookingError as failure:
                error = failure.message
            else:
                messages.success(request, _("Your booking has been moved."))
                return redirect("bookings:manage", appointment.reference, token)
    else:
        # A tapped time asks first (like cancelling): one stray tap must not move the booking.
        start = _parse_start(request.GET.get("start"))
        if start is not None:
            return render(
                request,
                "bookings/manage_reschedule_confirm.html",
                _manage_context(
                    appointment,
                    token=token,
                    new_start=timezone.localtime(start),
                    new_end=timezone.localtime(start + appointment.service.duration),
                ),
            )
    first_day = _first_day(request)
    days = _slot_days(appointment.service, appointment.therapist, first_day, DAYS_SHOWN)
    context = _manage_context(
        appointment,
        token=token,
        error=error,
        days=_shown(days),
        first_day=first_day,
        next_day=first_day + dt.timedelta(days=DAYS_SHOWN),
        date_form=DateForm(initial={"date": first_day}),
    )
    return render(request, "bookings/manage_reschedule.html", context, status=409 if error else 200)
