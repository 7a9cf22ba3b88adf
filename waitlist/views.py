"""Waitlist pages: join (when no slot suits), confirm the address from the e-mailed link,
and accept or decline an offer from the e-mailed link. All work without JavaScript."""

import re

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings.services import DECLINED, BookingError, ClientDetails
from clients.forms import ContactForm
from core import rate_limits
from core.clock import clinic_today
from health.forms import IntakeForm
from waitlist import services
from waitlist.forms import WaitlistForm
from waitlist.models import WaitlistOffer
from waitlist.services import WaitlistError, offer_accept, offer_decline, waitlist_join

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@ratelimit(
    group=rate_limits.WAITLIST_JOIN, key="ip", rate=rate_limits.waitlist_join_rate, method="POST"
)
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """One page: treatment, dates, therapist (optional), contact details and the intake."""
    data = request.POST if request.method == "POST" else None
    initial = {
        key: request.GET[key]
        for key in ("service", "therapist")
        if SLUG.fullmatch(request.GET.get(key, ""))  # a slug, or nothing is preselected
    }
    wanted = WaitlistForm(data, initial=_initial_objects(initial), prefix="want")
    contact = ContactForm(data, prefix="contact")
    intake = IntakeForm(data, prefix="intake", today=clinic_today())
    if data is not None and all([wanted.is_valid(), contact.is_valid(), intake.is_valid()]):
        if intake.screening and intake.screening.is_declined:
            return render(request, "bookings/declined.html", {"screening": intake.screening})
        try:
            waitlist_join(
                service=wanted.cleaned_data["service"],
                therapist=wanted.cleaned_data["therapist"],
                first_day=wanted.cleaned_data["first_day"],
                last_day=wanted.cleaned_data["last_day"],
                client=ClientDetails(**contact.cleaned_data),
                answers=intake.answers(),
                client_address=rate_limits.client_address(request),
                language=request.LANGUAGE_CODE,
            )
        except WaitlistError as error:
            if error.code == DECLINED and error.screening is not None:
                return render(request, "bookings/declined.html", {"screening": error.screening})
            wanted.add_error(None, error.message)
        else:
            return redirect("waitlist:joined")
    status = 400 if data is not None else 200
    return render(
        request,
        "waitlist/join.html",
        {"wanted": wanted, "contact": contact, "intake": intake},
        status=status,
    )


def _initial_objects(initial: dict[str, str]) -> dict:
    """`?service=bar-60&therapist=aiko-tanaka` from the booking pages preselects both."""
    from bookings.models import Service
    from therapists.models import Therapist

    found = {}
    if "service" in initial:
        found["service"] = Service.objects.filter(slug=initial["service"], active=True).first()
    if "therapist" in initial and initial["therapist"] != "any":
        found["therapist"] = Therapist.objects.filter(
            slug=initial["therapist"], active=True
        ).first()
    return {key: value for key, value in found.items() if value is not None}


def joined(request: HttpRequest) -> HttpResponse:
    return render(
        request, "waitlist/joined.html", {"confirm_hours": settings.WAITLIST_CONFIRM_HOURS}
    )


# A link that cannot confirm: wrong (404, like any unknown link), used or expired (410).
_LINK_STATUS = {services.LINK_WRONG: 404, services.LINK_USED: 410, services.LINK_EXPIRED: 410}


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows what the address is being confirmed for, with two buttons; POST confirms
    (or, "This was not me", removes the entry). Nothing happens on a GET, so a mail scanner
    following the link cannot confirm an address its owner never asked for."""
    try:
        entry = services.confirm_check(pk=pk, token=token)
        if request.method == "POST":
            if request.POST.get("action") == "refuse":
                entry = services.waitlist_refuse(pk=pk, token=token)
                return render(request, "waitlist/confirmed.html", {"entry": entry})
            entry = services.waitlist_confirm(pk=pk, token=token)
            return render(request, "waitlist/confirmed.html", {"entry": entry})
    except WaitlistError as error:
        return render(
            request,
            "waitlist/confirm_failed.html",
            {"error": error.message, "code": error.code},
            status=_LINK_STATUS.get(error.code, 400),
        )
    return render(
        request,
        "waitlist/confirm.html",
        {"entry": entry, "confirm_hours": settings.WAITLIST_CONFIRM_HOURS},
    )


def _offer_for(pk: int, token: str) -> WaitlistOffer:
    offer = (
        WaitlistOffer.objects.select_related("entry__service", "therapist", "room")
        .filter(pk=pk)
        .first()
    )
    if offer is None or not offer.token_matches(token):
        raise Http404("No such offer.")
    return offer


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """GET shows the held slot; POST books it for the client, or with `action=decline`
    passes it to the next person in line (nothing happens on a GET, so a mail scanner
    following the link cannot accept or decline an offer)."""
    held = _offer_for(pk, token)
    error = None
    if request.method == "POST" and request.POST.get("action") == "decline":
        try:
            offer_decline(offer=held)
        except WaitlistError as failure:
            error = failure.message
        else:
            return redirect(request.path)  # the page now says it was declined
        held.refresh_from_db()
    elif request.method == "POST":
        try:
            result = offer_accept(offer=held, record=getattr(request, "client_record", None))
        except BookingError as failure:
            error = failure.message
        else:
            messages.success(request, "The time is yours: you are booked.")
            url = reverse(
                "bookings:manage", args=[result.appointment.reference, result.manage_token]
            )
            return redirect(f"{url}?new=1")
        held.refresh_from_db()
    return render(
        request,
        "waitlist/offer.html",
        {"offer": held, "entry": held.entry, "error": error},
        status=409 if error else 200,
    )
