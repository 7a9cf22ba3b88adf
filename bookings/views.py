"""Public pages: the clinic, its therapists, the booking flow and manage-my-booking.

The flow is service -> therapist (or any) -> day and time -> intake -> contact -> review.
Choices travel in the URL (service, therapist) and in the session (time, answers, contact),
so the back button and a reload never lose what the client typed. Views are thin: they
validate, call `bookings.services`, and render or redirect. Every page works without
JavaScript; `static/js/slot-picker.js` only makes the day picker quicker.
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings import (
    body_regions,
    clients,
    privacy,
    schedule_cache,
    schedule_catalog,
    screening,
    series,
)
from bookings.forms import ContactForm, DateForm, IntakeForm
from bookings.guidance import what_to_bring
from bookings.ics import appointment_calendar
from bookings.intake_currency import intake_currency
from bookings.models import (
    Appointment,
    AppointmentStatus,
    Pressure,
    Service,
    Style,
    is_reference,
)
from bookings.schedules import available_slots, clinic_rules, last_bookable_day
from bookings.services import (
    BookingError,
    ClientDetails,
    booking_cancel,
    booking_create,
    booking_reschedule,
)
from core import rate_limits
from core.clock import clinic_today
from policy import rules
from therapists import qualifications
from therapists.clinic_time import clock, ics_utc, moment_within_reach
from therapists.models import Therapist

ANY = "any"
DAYS_SHOWN = 7
STRIP_DAYS = 14  # two weeks of days in the strip; "Later" moves on
DECLINED_KEY = "booking_declined"
DRAFT_KEY = "booking_draft"


def home(request: HttpRequest) -> HttpResponse:
    """Explain the two styles, who should not book, and what each service costs."""
    styles = Style.objects.prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(active=True))
    )
    return render(request, "bookings/home.html", {"styles": styles})


def accessibility(request: HttpRequest) -> HttpResponse:
    """What we test for accessibility and how to reach us if something is in the way."""
    return render(request, "bookings/accessibility.html")


def _styles_by_therapist(therapists: list[Therapist], day: dt.date) -> dict[int, list[Style]]:
    """The styles each therapist may perform on `day` (`therapists.qualifications`)."""
    spans = qualifications.spans_by_therapist([t.id for t in therapists], day)
    styles = list(Style.objects.all())
    requirements = {s.pk: s.required_credential for s in styles}
    return {
        t.id: [
            s for s in styles if s.pk in qualifications.styles_on(spans[t.id], day, requirements)
        ]
        for t in therapists
    }


def therapist_list(request: HttpRequest) -> HttpResponse:
    therapists = list(Therapist.objects.filter(active=True))
    styles = _styles_by_therapist(therapists, clinic_today())
    rows = [(t, styles[t.id]) for t in therapists if styles[t.id]]
    return render(request, "bookings/therapist_list.html", {"rows": rows})


def therapist_detail(request: HttpRequest, slug: str) -> HttpResponse:
    therapist = get_object_or_404(Therapist, slug=slug, active=True)
    today = clinic_today()
    credentials = therapist.credentials.valid_on(today).order_by("kind")
    styles = _styles_by_therapist([therapist], today)[therapist.id]
    services = Service.objects.filter(active=True, style__in=styles).select_related("style")
    return render(
        request,
        "bookings/therapist_detail.html",
        {
            "therapist": therapist,
            "credentials": credentials,
            "styles": styles,
            "services": services,
        },
    )


# --- The booking flow -------------------------------------------------------------------


def _service(slug: str) -> Service:
    """An active service with its style, from the schedule catalog (no query)."""
    found = schedule_catalog.service(slug)
    if found is None:
        raise Http404("No such service.")
    return found


def _therapist(slug: str) -> Therapist | None:
    """None for "any"; else an active therapist, from the schedule catalog (no query)."""
    if slug == ANY:
        return None
    found = schedule_catalog.therapist(slug)
    if found is None:
        raise Http404("No such therapist.")
    return found


def _draft(request: HttpRequest, service: Service, therapist_slug: str) -> dict[str, Any]:
    """The client's choices so far for this service and therapist (empty if they changed)."""
    draft = request.session.get(DRAFT_KEY) or {}
    if draft.get("service") != service.slug or draft.get("therapist") != therapist_slug:
        return {"service": service.slug, "therapist": therapist_slug}
    return draft


def _save_draft(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT_KEY] = draft


def _parse_start(raw: str | None) -> dt.datetime | None:
    """The start a client chose (from the URL or the session), or None when it is not an
    aware time within reach: 9999-12-31T23:59-14:00 cannot even be shown in the clinic's
    zone, and a session holding one must not break every later step."""
    try:
        start = dt.datetime.fromisoformat(raw or "")
    except (ValueError, TypeError):
        return None
    if timezone.is_naive(start) or not moment_within_reach(start):
        return None
    return start


def _choose_again(request: HttpRequest, service: Service, therapist_slug: str) -> HttpResponse:
    """No usable start time (none yet, or one out of reach): back to the slot list."""
    messages.info(request, _("Please choose a day and time first."))
    return redirect("bookings:choose_slot", service.slug, therapist_slug)


def _step_context(service: Service, therapist: Therapist | None, step: int, **extra) -> dict:
    return {
        "service": service,
        "therapist": therapist,
        "therapist_slug": therapist.slug if therapist else ANY,
        "step": step,
        "steps": 4,
        **extra,
    }


def choose_service(request: HttpRequest) -> HttpResponse:
    services = Service.objects.filter(active=True).select_related("style")
    return render(
        request, "bookings/book_service.html", {"services": services, "step": 1, "steps": 4}
    )


def choose_therapist(request: HttpRequest, service: str) -> HttpResponse:
    """Kept for old links; the slot page now carries the therapist choice as a filter."""
    chosen = _service(service)
    qualified = Therapist.objects.filter(pk__in=[m.id for m in _qualified_therapists(chosen)])
    return render(
        request,
        "bookings/book_therapist.html",
        {"service": chosen, "therapists": qualified, "step": 2, "steps": 4},
    )


PERIODS = ((_("Morning"), 0), (_("Afternoon"), 12), (_("Evening"), 17))


def _periods(slots: list[dict]) -> list[tuple[str, list[dict]]]:
    """Morning (before noon), afternoon (noon to 5 pm), evening: a phone shows a handful of
    times under each heading instead of one wall of buttons."""
    grouped = []
    for index, (label, starts_at) in enumerate(PERIODS):
        ends_at = PERIODS[index + 1][1] if index + 1 < len(PERIODS) else 24
        chosen = [s for s in slots if starts_at <= s["start"].hour < ends_at]
        if chosen:
            grouped.append((label, chosen))
    return grouped


def _slot_days(service: Service, therapist: Therapist | None, first_day: dt.date, days: int):
    """Free slots for `days` local days from `first_day`, each day with its slots grouped
    into morning, afternoon and evening, with the words the page shows already written in
    the active language; from the availability cache while the schedule stands
    (`bookings.schedule_cache`), so a busy day's slot pages format each date once."""
    now = schedule_cache.moment(timezone.now())
    return schedule_cache.cached(
        "slot-days",
        (
            service.pk,
            therapist.pk if therapist else None,
            first_day,
            days,
            now,
            translation.get_language(),
        ),
        lambda: _compute_slot_days(service, therapist, first_day, days, now),
    )


def _compute_slot_days(
    service: Service, therapist: Therapist | None, first_day: dt.date, days: int, now: dt.datetime
):
    tz = clinic_rules().tz
    slots = available_slots(
        service=service, therapist=therapist, first_day=first_day, days=days, now=now
    )
    names = schedule_catalog.display_names()
    grouped: dict[dt.date, list[dict]] = {first_day + dt.timedelta(days=i): [] for i in range(days)}
    for slot in slots:
        local = slot.start.astimezone(tz)
        grouped[local.date()].append(
            {
                "start": local,
                "iso": local.isoformat(),
                "therapist": names.get(slot.therapist_id, ""),
                "show_who": therapist is None,  # "any": the client sees who it will be
            }
        )
    return [
        {
            "day": day,
            "iso": day.isoformat(),
            "anchor": day.strftime("%Y%m%d"),
            "label": formats.date_format(day, gettext("l j F")),
            "dow": formats.date_format(day, "D"),
            "dom": day.day,
            "mon": formats.date_format(day, "M"),
            "count": len(day_slots),
            "periods": _periods(day_slots),
        }
        for day, day_slots in grouped.items()
    ]


def _shown(entries: list[dict]) -> list[dict]:
    """The days whose times the page lists, each time with its words (the clock in the
    active language, the day for screen readers): written only for the shown days, not
    for the whole strip."""
    for entry in entries:
        for _period, slots in entry["periods"]:
            for slot in slots:
                slot["time"] = clock(slot["start"])
                slot["day_label"] = entry["label"]
    return entries


def _first_day(request: HttpRequest) -> dt.date:
    form = DateForm(request.GET)
    today = clinic_today()
    if form.is_valid() and form.cleaned_data["date"]:
        horizon = last_bookable_day(today)
        return min(max(form.cleaned_data["date"], today), horizon)
    return today


def _qualified_therapists(service: Service) -> list[schedule_catalog.TeamMember]:
    """The therapist filter of the slot page: who may give `service` today, from the
    schedule catalog in memory (`bookings.schedule_catalog`)."""
    qualified = schedule_catalog.current().qualified(
        service.style.required_credential, clinic_today()
    )
    return sorted(qualified, key=lambda m: m.display_name)  # as Therapist orders them


def _chosen_day(request: HttpRequest, days: list[dict]) -> dict | None:
    """The day the client tapped in the strip (`?day=`), else the first day with free times,
    so a phone never opens on "No free times"."""
    wanted = request.GET.get("day", "")
    for entry in days:
        if entry["day"].isoformat() == wanted:
            return entry
    return next((entry for entry in days if entry["count"]), days[0] if days else None)


def choose_slot(request: HttpRequest, service: str, therapist: str) -> HttpResponse:
    """One screen for "who and when": a therapist filter (any, or one by name), a strip of
    days, and the chosen day's times. Every control is a plain link or button, so the page
    works without JavaScript."""
    chosen_service, chosen_therapist = _service(service), _therapist(therapist)
    first_day = _first_day(request)
    today = clinic_today()
    days = _slot_days(chosen_service, chosen_therapist, first_day, STRIP_DAYS)
    day = _chosen_day(request, days)
    context = _step_context(
        chosen_service,
        chosen_therapist,
        2,
        strip=days,
        chosen=day,
        days=_shown([day] if day else []),
        therapists=_qualified_therapists(chosen_service),
        first_day=first_day,
        previous_day=max(first_day - dt.timedelta(days=STRIP_DAYS), today)
        if first_day > today
        else None,
        next_day=first_day + dt.timedelta(days=STRIP_DAYS),
        date_form=DateForm(initial={"date": first_day}),
        next_url=reverse("bookings:intake", args=[chosen_service.slug, therapist]),
    )
    return render(request, "bookings/book_slot.html", context)


def _later_notice(
    result: screening.Screening | None, service: Service, therapist_slug: str
) -> dict | None:
    """When only a dated answer rules out the chosen time (surgery 4 weeks before it), what
    the intake step says: the first bookable day, why, and a link to the slot picker opened
    on that day (or, beyond the booking horizon, the day bookings for it open)."""
    if result is None or not result.is_declined or result.bookable_from is None:
        return None
    day = result.bookable_from
    today = clinic_today()
    horizon = last_bookable_day(today)
    notice = {"day": day, "reasons": result.reasons, "picker_url": None, "opens": None}
    notice["horizon_days"] = settings.BOOKING_HORIZON_DAYS
    if day <= horizon:
        picker = reverse("bookings:choose_slot", args=[service.slug, therapist_slug])
        notice["picker_url"] = f"{picker}?{urlencode({'date': day.isoformat()})}"
    else:
        notice["opens"] = day - (horizon - today)
    return notice


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
    for question in screening.QUESTIONS:
        if question.kind == screening.MUST_BE_TRUE:
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
        # Staff and therapists signed in here book as anyone, never as a client's own record.
        by_staff = clients.is_staff_booker(request.user)
        record = None if by_staff else getattr(request, "client_record", None)
        try:
            booked = booking_create(
                service=chosen_service,
                therapist=chosen_therapist,
                start=start,
                client=ClientDetails(**draft["contact"]),
                answers=draft["answers"],
                record=record,
                language=request.LANGUAGE_CODE,
            )
        except BookingError as failure:
            error = failure
        else:
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
            if booked.appointment.status == AppointmentStatus.AWAITING_DEPOSIT:
                # The payments app's page (known here only by its URL name).
                return redirect(
                    "payments:deposit", booked.appointment.reference, booked.manage_token
                )
            url = reverse(
                "bookings:manage", args=[booked.appointment.reference, booked.manage_token]
            )
            return redirect(f"{url}?new=1")
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
