"""Public pages: the clinic, its therapists, and the booking flow up to choosing a time.

The flow is service -> therapist (or any) -> day and time -> intake -> contact -> review.
Choices travel in the URL (service, therapist) and in the session (time, answers, contact),
so the back button and a reload never lose what the client typed. Views are thin: they
validate, call `bookings.services`, and render or redirect. Every page works without
JavaScript; `static/js/slot-picker.js` only makes the day picker quicker. The intake,
contact and review steps are in `bookings.booking_views`, manage-my-booking in
`bookings.manage_views`.
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

from bookings import schedule_cache, schedule_catalog
from bookings.forms import DateForm
from bookings.models import Service, Style
from bookings.schedules import available_slots, clinic_rules, last_bookable_day
from core.clock import clinic_today
from health import screening
from therapists import qualifications
from therapists.clinic_time import clock, moment_within_reach
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
