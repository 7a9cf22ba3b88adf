"""The booking flow's last steps: the intake, the contact details and the review that books.

Answers and contact details stay in the session draft (`bookings.views`) so the back
button and a reload never lose what the client typed; the review calls
`bookings.services.booking_create`, the one place that decides.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings import clients, privacy
from bookings.forms import ContactForm, IntakeForm
from bookings.models import Service
from bookings.schedules import available_slots
from bookings.services import BookingError, ClientDetails, booking_create
from bookings.views import (
    ANY,
    DECLINED_KEY,
    DRAFT_KEY,
    _choose_again,
    _draft,
    _later_notice,
    _parse_start,
    _save_draft,
    _service,
    _shown,
    _slot_days,
    _step_context,
    _therapist,
)
from core import rate_limits
from core.clock import clinic_today
from health import body_regions, questionnaires, screening
from health.intake_currency import intake_currency
from health.models import Pressure
from policy import rules
from therapists.models import Therapist


def _draft_screening(draft: dict[str, Any], start: dt.datetime) -> screening.Screening | None:
    """The draft's answers screened for the chosen session day; None when they no longer
    validate (a draft kept from an older questionnaire): the client answers again."""
    try:
        return screening.screen(draft["answers"], on=clinic_today(start))
    except screening.InvalidAnswers:
        return None


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, service: str, therapist: str) -> HttpResponse:
    """The back-health questions, judged for the day of the chosen time. A permanent refusal
    goes to the "not safe" page; a dated one (bookable from a later day) stays here with the
    reason and a link to the times from that day, the answers kept for the new time."""
    chosen_service, chosen_therapist = _service(service), _therapist(therapist)
    draft = _draft(request, chosen_service, therapist)
    start = _parse_start(request.GET.get("start")) or _parse_start(draft.get("start"))
    if start is None:
        return _choose_again(request, chosen_service, therapist)
    reanswer_why = ""
    later = None
    if request.method == "POST":
        form = IntakeForm(request.POST, on=clinic_today(start), today=clinic_today())
        if form.is_valid():
            result = form.screening
            if result.is_declined and result.bookable_from is None:
                # POST-redirect-GET: a reload of the refusal must not send the answers again.
                request.session.pop(DRAFT_KEY, None)
                request.session[DECLINED_KEY] = [str(r) for r in result.reasons]
                return redirect("bookings:declined")
            draft.update(start=start.isoformat(), answers=form.answers())
            _save_draft(request, draft)
            later = _later_notice(result, chosen_service, therapist)
            if later is None:
                return redirect("bookings:contact", chosen_service.slug, therapist)
    else:
        if draft.get("start") != start.isoformat() or "shown_therapist" not in draft:
            draft["shown_therapist"] = _shown_therapist(chosen_service, chosen_therapist, start)
        draft["start"] = start.isoformat()
        _save_draft(request, draft)
        answers = draft.get("answers")
        if not answers:
            answers, reanswer_why = _record_answers(request)
        form = IntakeForm(initial=IntakeForm.initial_from_answers(answers or {}))
        if draft.get("answers"):
            later = _later_notice(_draft_screening(draft, start), chosen_service, therapist)
    return render(
        request,
        "bookings/book_intake.html",
        _step_context(
            chosen_service,
            chosen_therapist,
            3,
            form=form,
            start=timezone.localtime(start),
            later=later,
            prefilled=request.method == "GET" and not draft.get("answers") and bool(answers),
            reanswer_why=reanswer_why,
        ),
        status=400 if form.errors else 200,  # bad answers (e.g. an unknown body-map region)
    )


def _shown_therapist(service: Service, therapist: Therapist | None, start: dt.datetime) -> str:
    """For "any therapist": the slug of the therapist the slot list showed with this time
    (the same listing, asked again for that day), so the details screen can name them before
    the client books. `booking_create` still decides at commit; the confirmation says so if
    someone else was free by then. Empty when a therapist was chosen or the time is gone."""
    if therapist is not None:
        return ""
    local = timezone.localtime(start)
    slots = available_slots(
        service=service, therapist=None, first_day=local.date(), days=1, now=timezone.now()
    )
    return next((slot.therapist_slug for slot in slots if slot.start == start), "")


def _shown_therapist_of(draft: dict[str, Any]) -> Therapist | None:
    slug = draft.get("shown_therapist")
    return Therapist.objects.filter(slug=slug, active=True).first() if slug else None


def _record_answers(request: HttpRequest) -> tuple[dict | None, str]:
    """A signed-in returning client starts from their last answers, read through the
    privacy rules and logged; they check and change each one. Not when those answers are
    over a year old or of an older questionnaire (`intake_currency`): then they answer
    everything again, and the second value says why. Declarations (the "must be true"
    boxes) are never ticked for them."""
    record = getattr(request, "client_record", None)
    if record is None:
        return None, ""
    latest = (  # never a booking nobody proved theirs (bookings/clients.py)
        record.appointments.proven()
        .exclude(intake__answers={})
        .select_related("intake")
        .order_by("-intake__created_at")
        .first()
    )
    if latest is None:
        return None, ""
    currency = intake_currency(latest.intake)
    if not currency.is_current:
        return None, currency.why
    answers = privacy.read_own_intake_answers(
        appointment=latest, client=record, where="booking form, pre-filled intake"
    )
    for question in questionnaires.QUESTIONS:
        if question.kind == questionnaires.MUST_BE_TRUE:
            answers.pop(question.key, None)
    return answers, ""


def _record_contact(request: HttpRequest) -> dict[str, str] | None:
    """A client signed in through their e-mail link (accounts app, `request.client_record`)
    finds their details filled in."""
    record = getattr(request, "client_record", None)
    if record is None:
        return None
    return {"name": record.name, "email": record.email, "phone": record.phone}


def declined(request: HttpRequest) -> HttpResponse:
    """Why the intake ruled the session out (reasons kept in the session, answers not)."""
    reasons = request.session.get(DECLINED_KEY)
    if reasons is None:
        return redirect("bookings:book")
    return render(request, "bookings/declined.html", {"reasons": reasons})


def _marked_regions(answers: dict) -> dict[str, list[str]]:
    """The body-map areas the client marked, as labels for the details screen."""
    return {
        "avoid_regions": body_regions.labels(answers.get("avoid_regions") or ()),
        "focus_regions": body_regions.labels(answers.get("focus_regions") or ()),
    }


def _details_context(
    service: Service, therapist: Therapist | None, start: dt.datetime, form, result, **extra
) -> dict:
    """The one "your details and booking" screen: summary, screening notice, contact form."""
    deadline = start - dt.timedelta(hours=rules.client_change_cutoff_hours())
    form.helper.form_action = reverse(
        "bookings:review", args=[service.slug, therapist.slug if therapist else ANY]
    )
    form.helper.inputs = []
    form.helper.form_id = "details-form"
    return _step_context(
        service,
        therapist,
        4,
        form=form,
        start=timezone.localtime(start),
        end=timezone.localtime(start + service.duration),
        screening=result,
        pressure_label=Pressure(result.effective_pressure).label,
        deadline=timezone.localtime(deadline) if timezone.now() < deadline else None,
        **extra,
    )


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, service: str, therapist: str) -> HttpResponse:
    chosen_service, chosen_therapist = _service(service), _therapist(therapist)
    draft = _draft(request, chosen_service, therapist)
    if not draft.get("answers"):
        return redirect("bookings:intake", chosen_service.slug, therapist)
    start = _parse_start(draft.get("start"))
    if start is None:
        return _choose_again(request, chosen_service, therapist)
    form = ContactForm(
        request.POST or None, initial=draft.get("contact") or _record_contact(request)
    )
    if request.method == "POST" and form.is_valid():
        draft["contact"] = form.cleaned_data
        _save_draft(request, draft)
        return redirect("bookings:review", chosen_service.slug, therapist)
    result = _draft_screening(draft, start)
    if result is None or result.is_declined:  # an old draft, or a time before bookable-from
        return redirect("bookings:intake", chosen_service.slug, therapist)
    return render(
        request,
        "bookings/book_details.html",
        _details_context(
            chosen_service,
            chosen_therapist,
            start,
            form,
            result,
            shown_therapist=_shown_therapist_of(draft),
            **_marked_regions(draft["answers"]),
        ),
    )


def _book_draft(
    request: HttpRequest,
    service: Service,
    therapist: Therapist | None,
    start: dt.datetime,
    draft: dict[str, Any],
) -> HttpResponse | BookingError:
    """Book the reviewed draft: the redirect to the new booking's manage page, or the
    refusal to show on the review page."""
    # Staff and therapists signed in here book as anyone, never as a client's own record.
    by_staff = clients.is_staff_booker(request.user)
    record = None if by_staff else getattr(request, "client_record", None)
    try:
        booked = booking_create(
            service=service,
            therapist=therapist,
            start=start,
            client=ClientDetails(**draft["contact"]),
            answers=draft["answers"],
            record=record,
            language=request.LANGUAGE_CODE,
        )
    except BookingError as failure:
        return failure
    if by_staff:
        clients.booking_by_staff(booked.appointment)
    elif record is not None:
        # Signed in by an e-mail link: the address is proven, the booking joins.
        clients.client_join_signed_in(record=record, appointment=booked.appointment)
    request.session.pop(DRAFT_KEY, None)
    shown = draft.get("shown_therapist")
    if shown and shown != booked.appointment.therapist.slug:
        messages.info(
            request,
            _(
                "The therapist shown with your time was no longer free, so %(name)s, "
                "also certified for this session, will give it."
            )
            % {"name": booked.appointment.therapist.display_name},
        )
    # A booking awaiting a deposit lands here too: the page shows its private link
    # once and a button to the deposit page, which gets only a pay token (it runs
    # Stripe.js, so the manage token never goes there).
    url = reverse("bookings:manage", args=[booked.appointment.reference, booked.manage_token])
    return redirect(f"{url}?new=1")


@never_cache
@ratelimit(group=rate_limits.BOOKING, key="ip", rate=rate_limits.booking_rate, method="POST")
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, service: str, therapist: str) -> HttpResponse:
    chosen_service, chosen_therapist = _service(service), _therapist(therapist)
    draft = _draft(request, chosen_service, therapist)
    if not draft.get("answers"):
        return redirect("bookings:intake", chosen_service.slug, therapist)
    start = _parse_start(draft.get("start"))
    if start is None:
        return _choose_again(request, chosen_service, therapist)
    result = _draft_screening(draft, start)
    if result is None or result.is_declined:  # an old draft, or a time before bookable-from
        return redirect("bookings:intake", chosen_service.slug, therapist)
    error = None
    # The details screen posts the contact fields here with "Book now"; an older client that
    # gave them on their own step posts nothing but the button.
    form = ContactForm(
        request.POST if "name" in request.POST else None,
        initial=draft.get("contact") or _record_contact(request),
    )
    if form.is_bound:
        if form.is_valid():
            draft["contact"] = form.cleaned_data
            _save_draft(request, draft)
        else:
            context = _details_context(
                chosen_service,
                chosen_therapist,
                start,
                form,
                result,
                shown_therapist=_shown_therapist_of(draft),
                **_marked_regions(draft["answers"]),
            )
            return render(request, "bookings/book_details.html", context, status=400)
    if not draft.get("contact") and request.method == "POST":
        return redirect("bookings:contact", chosen_service.slug, therapist)
    if request.method == "POST":
        booked = _book_draft(request, chosen_service, chosen_therapist, start, draft)
        if not isinstance(booked, BookingError):
            return booked
        error = booked
    context = _details_context(
        chosen_service,
        chosen_therapist,
        start,
        form,
        result,
        error=error,
        shown_therapist=_shown_therapist_of(draft),
        **_marked_regions(draft["answers"]),
    )
    if error is not None and error.is_conflict:
        context["days"] = _shown(
            _slot_days(chosen_service, chosen_therapist, timezone.localtime(start).date(), 2)
        )
        context["next_url"] = reverse("bookings:intake", args=[chosen_service.slug, therapist])
    return render(
        request,
        "bookings/book_details.html",
        context,
        status=409 if error and error.is_conflict else 200,
    )
