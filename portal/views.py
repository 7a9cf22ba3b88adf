"""The therapist portal: the day, the week, one appointment, and a private calendar feed.

A therapist walks on a client's back, so before each session they must know what the intake
said. These pages show it to the appointment's own therapist and to nobody else: every lookup
filters by the signed-in therapist, so another therapist's appointment answers 404 exactly like
one that does not exist (no hint that it does). Every display of intake answers or texts writes
an `IntakeAccess` row. Pages carry health data, so none of them may be cached.

Views are thin: status changes and notes go through `bookings.services`, full intake answers
through `bookings.privacy.read_intake_answers`.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from bookings import privacy, workload
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.privacy import may_read_client_history, read_intake_answers
from bookings.services import BookingError
from bookings.session_status import allowed_status_changes, appointment_set_status
from charts.portal import chart_context
from clients.profile import TherapistView, for_therapist
from core.clock import clinic_today
from health import body_regions, questionnaires, screening
from health.models import IntakeAccess, Pressure
from portal.feeds import feed_appointments, therapist_calendar, therapist_for_token
from portal.forms import THERAPIST_STATUSES, StatusForm
from therapists.models import Therapist

# Days a therapist can page to: a few years of history, a year ahead (bookings open 60 days
# ahead). Anything outside is a mistyped URL and answers 404, as an impossible date does.
DAYS_BACK_LIMIT = 3 * 366
DAYS_AHEAD_LIMIT = 366
PAST_SESSIONS_SHOWN = 20
DAY_PAGE = "therapist day page"
APPOINTMENT_PAGE = "therapist appointment page"
FEED_TOKEN_SESSION_KEY = "therapist_calendar_token"  # noqa: S105 - a session key, not a secret
STATUS_LABELS = dict(AppointmentStatus.choices)


def _therapist_for(request: HttpRequest) -> Therapist:
    """The signed-in user's therapist profile; 404 for staff and anyone else without one."""
    therapist = getattr(request.user, "therapist", None)
    if therapist is None or not therapist.active:
        raise Http404("This page is for the clinic's therapists.")
    return therapist


def _in_range(day: dt.date) -> bool:
    today = clinic_today()
    return (
        today - dt.timedelta(days=DAYS_BACK_LIMIT)
        <= day
        <= today + dt.timedelta(days=DAYS_AHEAD_LIMIT)
    )


def _day_from(raw: str) -> dt.date:
    """The day in a URL; 404 (never 500) for 2026-02-30 or a day outside the range."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as error:
        raise Http404("No such day.") from error
    if not _in_range(day):
        raise Http404("That day is outside the portal's range.")
    return day


def _sessions(therapist: Therapist, first_day: dt.date, days: int) -> QuerySet[Appointment]:
    """The therapist's sessions (not cancelled) on local days [first_day, first_day + days),
    each annotated with `first_visit`: no earlier non-cancelled appointment of the client
    with the clinic. One query, whatever the number of sessions."""
    return (
        Appointment.objects.active()
        .for_therapist(therapist)
        .starting_on_local_days(first_day, days)
        .select_related("client", "service__style", "room", "intake")
        .with_first_visit()
        .order_by("start")
    )


@dataclass(frozen=True)
class DaySession:
    """What matters before walking on this client's back."""

    appointment: Appointment
    client: TherapistView
    first_visit: bool
    light_pressure_only: bool
    pressure: str
    pressure_asked: str
    avoid_areas: str
    avoid_regions: list[str]
    other_conditions: str

    @classmethod
    def of(cls, appointment: Appointment) -> "DaySession":
        intake = appointment.intake
        answers = intake.answers or {}
        asked = answers.get("pressure", "")
        return cls(
            appointment=appointment,
            client=for_therapist(appointment.client),
            first_visit=appointment.first_visit,
            light_pressure_only=intake.light_pressure_only,
            pressure=intake.get_effective_pressure_display(),
            pressure_asked=Pressure(asked).label if asked in Pressure.values else "",
            avoid_areas=answers.get("avoid_areas", ""),
            avoid_regions=body_regions.labels(answers.get("avoid_regions") or ()),
            other_conditions=answers.get("other_conditions", ""),
        )


def _log_intake_views(request: HttpRequest, appointments: list[Appointment], where: str) -> None:
    """One `IntakeAccess` per intake shown, in one INSERT. The same rule as
    `read_intake_answers`, whose permission check always passes here: every appointment was
    loaded through `for_therapist(request.user.therapist)`."""
    IntakeAccess.objects.bulk_create(
        IntakeAccess(intake_id=a.intake_id, user_id=request.user.pk, where=where)
        for a in appointments
    )


def _portal_context(therapist: Therapist, **extra) -> dict:
    return {"therapist": therapist, "today": clinic_today(), **extra}


def _day_page(request: HttpRequest, day: dt.date) -> HttpResponse:
    therapist = _therapist_for(request)
    appointments = list(_sessions(therapist, day, 1).select_related("attendance"))
    _log_intake_views(request, appointments, DAY_PAGE)
    previous_day, next_day = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    context = _portal_context(
        therapist,
        day=day,
        sessions=[DaySession.of(a) for a in appointments],
        previous_day=previous_day if _in_range(previous_day) else None,
        next_day=next_day if _in_range(next_day) else None,
    )
    return render(request, "therapists/day.html", context)


@never_cache
@login_required
@require_safe
def today(request: HttpRequest) -> HttpResponse:
    """The therapist's sessions today, in the clinic's time zone."""
    return _day_page(request, clinic_today())


@never_cache
@login_required
@require_safe
def day(request: HttpRequest, day: str) -> HttpResponse:
    return _day_page(request, _day_from(day))


@never_cache
@login_required
@require_safe
def week(request: HttpRequest, day: str) -> HttpResponse:
    """Monday to Sunday around `day`: an overview with flags only, no intake texts (so,
    like the admin's lists, nothing here needs logging)."""
    therapist = _therapist_for(request)
    chosen = _day_from(day)
    monday = chosen - dt.timedelta(days=chosen.weekday())
    appointments = list(_sessions(therapist, monday, 7))
    days = []
    for offset in range(7):
        current = monday + dt.timedelta(days=offset)
        days.append((current, [a for a in appointments if timezone.localdate(a.start) == current]))
    previous_week, next_week = monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)
    load = sum(
        workload.session_load((a.end - a.start) // dt.timedelta(minutes=1), a.service.style.slug)
        for a in appointments
    )
    context = _portal_context(
        therapist,
        day=chosen,
        monday=monday,
        load_minutes=workload.as_minutes(load),
        budget_minutes=therapist.weekly_load_minutes,
        load_over=load > workload.budget_load(therapist.weekly_load_minutes),
        sunday=monday + dt.timedelta(days=6),
        days=days,
        count=len(appointments),
        previous_week=previous_week if _in_range(previous_week) else None,
        next_week=next_week if _in_range(next_week) else None,
    )
    return render(request, "therapists/week.html", context)


# --- One appointment ----------------------------------------------------------------------


def _appointment_for(therapist: Therapist, reference: str) -> Appointment:
    """The therapist's own appointment; anybody else's is a 404, as if it did not exist."""
    return get_object_or_404(
        Appointment.objects.select_related("client", "service__style", "room", "intake"),
        reference=reference.upper(),
        therapist=therapist,
    )


def _answer_label(question: questionnaires.Question, value: Any) -> str:
    if value is None:
        return "Not asked"
    if question.kind in (questionnaires.BOOL, questionnaires.MUST_BE_TRUE):
        return "Yes" if value else "No"
    if question.kind == questionnaires.CHOICE:
        return dict(question.choices).get(value, str(value))
    return value or "—"


def _answer_rows(
    answers: dict[str, Any], version: int = questionnaires.QUESTIONNAIRE_VERSION
) -> list[dict]:
    """Each question of the intake's own questionnaire version with its answer, flagged
    where a screening rule (dated ones too, and their dates) fired on it."""
    rows = []
    form = screening.questionnaire(version)
    for question in form.questions:
        value = answers.get(question.key)
        flagged = (
            any(
                rule.key == question.key and value is not None and rule.applies(value)
                for rule in (*form.rules, *form.dated_rules)
            )
            or (question.kind == questionnaires.TEXT and bool(value))
            or (question.kind == questionnaires.DATE and bool(value))
        )
        rows.append(
            {"question": question.text, "answer": _answer_label(question, value), "flag": flagged}
        )
    return rows


def _history_line(event: AppointmentEvent) -> dict:
    """One line of the appointment's history, statuses in words, who did it."""
    what = event.get_kind_display()
    if event.kind == AppointmentEvent.Kind.STATUS and event.details.get("new") in STATUS_LABELS:
        old = STATUS_LABELS.get(event.details.get("old"), "")
        what += f": {old} → {STATUS_LABELS[event.details['new']]}" if old else ""
    if event.actor is None:
        who = "the client"
    else:
        who = event.actor.get_full_name() or event.actor.get_username()
    return {"at": event.at, "what": what, "who": who}


def _past_sessions(appointment: Appointment, now: dt.datetime) -> list[Appointment]:
    """The client's sessions with the clinic (any therapist) before this one, newest first
    (the last one's chart is in the pre-brief, `charts.prebrief`).

    Only sessions of the same client record: one the clinic made or confirmed (staff link
    bookings to a record), never one a typed e-mail address points at. Anyone can book
    under anyone's address, in any case, and would then read that person's notes here.
    The "first visit" hint follows the same record (`with_first_visit`).
    """
    return list(
        Appointment.objects.history_of(appointment, before=now).select_related(
            "service", "therapist"
        )[:PAST_SESSIONS_SHOWN]
    )


def _render_appointment(
    request: HttpRequest,
    therapist: Therapist,
    appointment: Appointment,
    *,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    answers = read_intake_answers(
        appointment=appointment, user=request.user, where=APPOINTMENT_PAGE
    )
    # The form shows from the session's start; before, the page says when it will.
    may_set_status = bool(
        allowed_status_changes(
            appointment=appointment,
            now=max(now, appointment.start),
            among=[value for value, _ in THERAPIST_STATUSES],
        )
    )
    context = _portal_context(
        therapist,
        appointment=appointment,
        client_view=for_therapist(appointment.client),
        answer_rows=_answer_rows(answers, appointment.intake.questionnaire_version),
        history=[_history_line(event) for event in appointment.events.select_related("actor")],
        past_sessions=(
            _past_sessions(appointment, now)
            if may_read_client_history(request.user, appointment)
            else []
        ),
        may_set_status=may_set_status,
        has_started=now >= appointment.start,
        statuses=THERAPIST_STATUSES,
        day=timezone.localdate(appointment.start),
        **chart_context(appointment=appointment, user=request.user, now=now),
        clearances=[
            {"clearance": c, "covers": c.covers(timezone.localdate(appointment.start))}
            for c in privacy.read_clearances(
                client=appointment.client, user=request.user, where=APPOINTMENT_PAGE
            )
        ],
    )
    return render(request, "therapists/appointment.html", context, status=status)


@never_cache
@login_required
@require_safe
def appointment(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything about one session: full intake (logged), earlier sessions, notes, actions."""
    therapist = _therapist_for(request)
    return _render_appointment(request, therapist, _appointment_for(therapist, reference))


@never_cache
@login_required
@require_POST
def appointment_status(request: HttpRequest, reference: str) -> HttpResponse:
    """Mark the session completed or a no-show (the service says when that is allowed)."""
    therapist = _therapist_for(request)
    appointment = _appointment_for(therapist, reference)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.warning(request, "Please choose completed or no-show.")
    else:
        try:
            appointment_set_status(
                appointment=appointment, status=form.cleaned_data["status"], actor=request.user
            )
        except BookingError as error:
            messages.warning(request, error.message)
        else:
            label = AppointmentStatus(form.cleaned_data["status"]).label.lower()
            messages.success(request, f"Session {appointment.reference} marked {label}.")
    return redirect("therapists:appointment", appointment.reference)


# --- The private calendar feed ---------------------------------------------------------


@never_cache
@login_required
@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    """Create, reset or revoke the feed link. The link is shown once, right after creation:
    only its hash is stored, so it cannot be shown again."""
    therapist = _therapist_for(request)
    token = request.session.pop(FEED_TOKEN_SESSION_KEY, None)
    feed_url = webcal_url = ""
    if token and therapist.calendar_token_matches(token):
        feed_url = request.build_absolute_uri(reverse("therapists:calendar_feed", args=[token]))
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    context = _portal_context(
        therapist,
        has_feed=bool(therapist.calendar_token_hash),
        feed_url=feed_url,
        webcal_url=webcal_url,
    )
    return render(request, "therapists/calendar.html", context)


@never_cache
@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    had_feed = bool(therapist.calendar_token_hash)
    token = therapist.new_calendar_token()
    therapist.save(update_fields=["calendar_token_hash"])
    request.session[FEED_TOKEN_SESSION_KEY] = token
    messages.success(
        request,
        "New calendar link created; the old one no longer works."
        if had_feed
        else "Calendar link created.",
    )
    return redirect("therapists:calendar")


@never_cache
@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    therapist = _therapist_for(request)
    therapist.revoke_calendar_token()
    therapist.save(update_fields=["calendar_token_hash"])
    request.session.pop(FEED_TOKEN_SESSION_KEY, None)
    messages.success(request, "Calendar link revoked: calendars using it stop updating.")
    return redirect("therapists:calendar")


@never_cache
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics itself: no login (phone calendars cannot log in); the token is the key."""
    therapist = therapist_for_token(token)
    if therapist is None:
        raise Http404("No calendar at this address.")
    now = timezone.now()
    body = therapist_calendar(therapist, feed_appointments(therapist, now), now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ashiatsu-clinic.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
