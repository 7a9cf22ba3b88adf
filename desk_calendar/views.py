"""The desk's calendar page and its JSON endpoints (staff only; POSTs are CSRF-protected by
Django's middleware, the page hands the token to the script in a data attribute).

Every answer to bad input is a 4xx with a message in `error`; a move or booking the
service refuses is 409 with the service's own reason, and the calendar snaps back.
"""

import datetime as dt
import json

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from bookings.services import BookingError
from core.clock import clinic_today, clinic_tz
from desk_calendar import actions, feed
from desk_calendar.access import desk_json, desk_page

MAX_BODY = 4096


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise feed.FeedError("The request is too long.")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise feed.FeedError("The request must be JSON.") from None
    if not isinstance(data, dict):
        raise feed.FeedError("The request must be a JSON object.")
    return data


@desk_page
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The calendar: the component reads its configuration from a JSON data block."""
    tz = clinic_tz()
    first, last = feed.visible_hours(tz)
    config = {
        "events": reverse("desk_calendar:events"),
        "move": reverse("desk_calendar:move"),
        "book": reverse("desk_calendar:book"),
        "options": reverse("desk_calendar:slot_options"),
        "clients": reverse("desk_calendar:clients"),
        "bookForm": reverse("admin:bookings_appointment_add"),
        "appointment": reverse("admin:bookings_appointment_change", args=[0]),
        "therapists": feed.resources(feed.THERAPISTS),
        "rooms": feed.resources(feed.ROOMS),
        "date": _day(request).isoformat(),
        "slotMinTime": first,
        "slotMaxTime": last,
    }
    return render(
        request,
        "desk_calendar/calendar.html",
        {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,  # the calendar needs the page's width
            "title": "Calendar",
            "config": config,
            "list_day": _day(request),
            "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        },
    )


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return clinic_today()


@desk_json
@require_GET
def events(request: HttpRequest) -> JsonResponse:
    """The sessions and shading of a window (?start=&end=&by=therapists|rooms)."""
    try:
        window = feed.parse_window(request.GET.get("start"), request.GET.get("end"))
        data = feed.feed(window, request.GET.get("by", feed.THERAPISTS), clinic_tz())
    except feed.FeedError as error:
        return _bad(str(error))
    return JsonResponse(data, safe=False)


@desk_json
@require_POST
def move(request: HttpRequest) -> JsonResponse:
    """Move a session ({"session", "start", "resource"}) through `booking_reschedule`."""
    try:
        data = _body(request)
        appointment = actions.move(
            user=request.user,
            appointment_id=data.get("session"),
            start=data.get("start"),
            resource=data.get("resource"),
            tz=clinic_tz(),
        )
    except feed.FeedError as error:
        return _bad(str(error))
    except BookingError as error:
        return _bad(error.message, status=409)
    local = appointment.start.astimezone(clinic_tz())
    return JsonResponse(
        {
            "message": f"Moved {appointment.reference} to {local:%A %d %B, %H:%M} with "
            f"{appointment.therapist.display_name} in {appointment.room.name}. "
            "The client has been told.",
        }
    )


@desk_json
@require_GET
def slot_options(request: HttpRequest) -> JsonResponse:
    """What could be booked in an empty slot (?resource=t12&start=...): only the services
    the booking service would accept there."""
    try:
        target = actions.column(request.GET.get("resource"))
        start = feed.parse_local(request.GET.get("start"), clinic_tz())
    except feed.FeedError as error:
        return _bad(str(error))
    if target.therapist is None:
        return _bad("Book from a therapist's column.")
    services = actions.services_accepted(therapist=target.therapist, start=start)
    return JsonResponse(
        {
            "therapist": target.therapist.display_name,
            "services": [
                {"id": s.pk, "name": f"{s.name} ({s.duration_minutes} min)"} for s in services
            ],
        }
    )


@desk_json
@require_GET
def clients(request: HttpRequest) -> JsonResponse:
    """Clients the calendar can book (?q= a name or an e-mail address)."""
    found = actions.bookable_clients(request.GET.get("q", "")[:100])
    return JsonResponse(
        {"clients": [{"id": c.pk, "label": f"{c.name} · {_hint(c.email)}"} for c in found]}
    )


def _hint(email: str) -> str:
    """Enough of the address to tell two people of the same name apart."""
    name, _, domain = email.partition("@")
    return f"{name[:2]}…@{domain}"


@desk_json
@require_POST
def book(request: HttpRequest) -> JsonResponse:
    """Book an empty slot ({"client", "service", "resource", "start"}) through
    `booking_create`."""
    try:
        data = _body(request)
        if data.get("unchanged") is not True:
            raise feed.FeedError(
                "Ask the client whether their health has changed since they last answered."
            )
        result = actions.book(
            user=request.user,
            client_id=data.get("client"),
            service_id=data.get("service"),
            resource=data.get("resource"),
            start=data.get("start"),
            tz=clinic_tz(),
        )
    except feed.FeedError as error:
        return _bad(str(error))
    except BookingError as error:
        return _bad(error.message, status=409)
    appointment = result.appointment
    return JsonResponse(
        {
            "message": f"Booked {appointment.reference}: {appointment.client.name} with "
            f"{appointment.therapist.display_name} "
            f"({appointment.get_status_display().lower()}).",
            "reference": appointment.reference,
        },
        status=201,
    )
