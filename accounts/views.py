"""The client's side of their record: sign in by e-mail link, /account/, export, erase request.

Thin views over accounts.services, bookings.privacy and the existing manage pages.
"""

import json

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts import services, session
from accounts.forms import SignInForm
from accounts.tasks import sign_in_link_task
from bookings import clients, privacy, series
from bookings.models import Appointment, AppointmentStatus
from core import client_sections, rate_limits
from health import questionnaires, screening


def _signed_in(view):
    """Anonymous visitors go to the sign-in page (and come back after it)."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.client_record is None:
            return redirect(reverse("accounts:sign_in"))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@never_cache
@ratelimit(
    group=rate_limits.SIGN_IN_LINK, key="ip", rate=rate_limits.sign_in_link_rate, method="POST"
)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a link. The answer never says whether the address has booked with us."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The look-up runs in the worker: known and unknown addresses cost this page alike.
        email = form.cleaned_data["email"]
        transaction.on_commit(lambda: sign_in_link_task.enqueue(email))
        return redirect("accounts:sign_in_sent")
    return render(
        request, "accounts/sign_in.html", {"form": form}, status=400 if form.errors else 200
    )


def sign_in_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_in_sent.html")


@never_cache
@ratelimit(
    group=rate_limits.SIGN_IN_LINK, key="ip", rate=rate_limits.sign_in_link_rate, method="POST"
)
@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for one tap, POST spends the link: mail scanners that open every link in an
    e-mail must not use up (or worse, use) a single-use sign-in link."""
    if request.method == "GET":
        return render(request, "accounts/sign_in_link.html", {"token": token})
    try:
        record = services.sign_in_link_use(token=token)
    except services.LinkError as error:
        return render(request, "accounts/sign_in_link.html", {"error": str(error)}, status=400)
    session.sign_in(request, record)
    return redirect("accounts:account")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.sign_out(request)
    messages.success(request, "You are signed out.")
    return redirect("bookings:home")


def _answers(appointment: Appointment | None, record) -> list[tuple[str, str]]:
    """The client's own answers to their latest intake, as question and answer (logged)."""
    if appointment is None:
        return []
    answers = privacy.read_own_intake_answers(
        appointment=appointment, client=record, where="client's own account page"
    )
    rows = []
    for question in screening.questionnaire(appointment.intake.questionnaire_version).questions:
        if question.key not in answers:
            continue
        value = answers[question.key]
        if question.kind == questionnaires.CHOICE:
            value = dict(question.choices).get(value, value)
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        rows.append((question.text, str(value) if value not in ("", None) else "—"))
    return rows


@never_cache
@_signed_in
def account(request: HttpRequest) -> HttpResponse:
    """Upcoming and past sessions of the verified record, the latest intake, and the
    client's rights (export, erase request)."""
    record = request.client_record
    now = timezone.now()
    appointments = list(
        record.appointments.select_related(
            "service", "therapist", "intake", "treatment_plan__service", "treatment_plan__therapist"
        ).order_by("start")
    )
    upcoming = [a for a in appointments if a.end >= now and a.status != AppointmentStatus.CANCELLED]
    past = [a for a in reversed(appointments) if a not in upcoming]
    # Answers only from bookings proven the client's (bookings/clients.py); a staff merge
    # proves the ones it moves.
    latest = max(
        (a for a in appointments if a.proven_by),
        key=lambda a: a.intake.created_at,
        default=None,
    )
    return render(
        request,
        "accounts/account.html",
        {
            "record": record,
            "upcoming": [(a, a.client_can_change(now)) for a in upcoming],
            # Sessions the client may repeat as a series, and their plans (bookings/series.py)
            "repeatable": {
                a.pk
                for a in upcoming
                if not series.repeat_refusal(appointment=a, record=record, now=now)
            },
            # (from the sessions already loaded: a plan with nothing to come needs no button)
            "plans": list(
                {
                    a.treatment_plan_id: a.treatment_plan
                    for a in upcoming
                    if a.treatment_plan_id and a.treatment_plan.cancelled_at is None
                }.values()
            ),
            "past": past,
            "latest": latest,
            "answers": _answers(latest, record),
            "unproven": list(clients.unproven_bookings(record)),
            "erase_requested": record.erasure_requests.filter(handled_at=None).exists(),
            # What other apps show the client of their own (payments: balances)
            "sections": client_sections.sections_render(client_sections.ACCOUNT, request, record),
        },
    )


@never_cache
@require_POST
@_signed_in
def manage(request: HttpRequest, reference: str) -> HttpResponse:
    """Open the existing manage page for one of the client's own bookings (a fresh private
    link; another client's booking is 404)."""
    appointment = Appointment.objects.filter(
        reference=reference.upper(), client=request.client_record
    ).first()
    if appointment is None:
        raise Http404("No booking of yours has this reference.")
    token = services.manage_link_reissue(appointment=appointment)
    return redirect("bookings:manage", appointment.reference, token)


@never_cache
@require_POST
@_signed_in
def export(request: HttpRequest) -> HttpResponse:
    data = privacy.client_export_own(client=request.client_record)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-clinic-data.json"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@_signed_in
def erase(request: HttpRequest) -> HttpResponse:
    """Ask first; the POST records a request for staff, it does not erase anything itself."""
    if request.method == "POST":
        services.erasure_request_create(client=request.client_record)
        messages.success(
            request,
            "We have your request. The clinic will erase your data and write to you when it is done.",
        )
        return redirect("accounts:account")
    return render(request, "accounts/erase.html", {"record": request.client_record})
