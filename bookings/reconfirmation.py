"""The intake that stays true (issue #13): "has anything changed?" before every session.

`RECONFIRM_DAYS_BEFORE` days before a session the reminder sweep (bookings/reminders.py)
e-mails the client a private link (bookings/reconfirmation_links.py). On its page the client
sees their current answers (their own logged read, `privacy.read_own_intake_answers`) and
either says "nothing changed" or changes answers in the same intake form. Walking on a back
is only as safe as the answers are current, so a change is screened by the same
`screening` rules as a booking:

- newly **declined** (e.g. a pregnancy, a fracture since booking): the session is cancelled
  for safety, never as a late cancellation (no fee, deposit refunded), the client is told
  plainly why and staff are e-mailed;
- a **clearance need that no clearance on the session's record covers** (on the session's
  day, for every condition the new answers name): the session goes back to review (the
  status change goes through `allowed_status_changes`) and staff are e-mailed; the review
  queue shows it;
- otherwise the change is recorded, the clearance relied on named in the history.

Either way the new intake's pressure is `clearances.session_restriction`'s: the strictest of
what the new answers allow and the covering clearance's scope, so a "light pressure only"
clearance still binds after a harmless change.

Every change writes a new `Intake` (the old one is kept, linked by an `IntakeRevision`) and a
line in the appointment's history. At check-in the front desk may record that the client
said nothing changed (`reconfirm_at_desk`), without seeing any answer. The therapist's
pre-brief reads `reconfirmation_summary` (a logged read): whether and when the client
re-confirmed and which answers changed.

Sessions booked less than `RECONFIRM_DAYS_BEFORE` days ahead get no e-mail: the intake was
answered at booking, which is as fresh as the question would be (`reminders.reminder_schedule`).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bookings import clearances, notifications, privacy
from bookings.booking_changes import booking_cancel_for_safety
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.services import BookingError
from bookings.session_status import appointment_status_change
from core.clock import clinic_today
from health import questionnaires, screening
from health.intake_currency import intake_currency
from health.models import Intake, IntakeAccess, IntakeRevision, ReconfirmationLink

VIA_LINK = "client link"
VIA_DESK = "front desk"

# What a re-confirmation led to.
UNCHANGED = "unchanged"
RECORDED = "recorded"
REVIEW = "review"
CANCELLED = "cancelled"

# The link answers 410 with one of these (the session is what it is; nothing to retry).
LINK_EXPIRED = "This link has expired: it works until your session starts."
LINK_SESSION_OVER = "This session is {status}, so there is nothing to re-confirm."
# Statuses whose intake may still be re-confirmed through the link.
OPEN = (AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING_REVIEW)


class LinkClosed(Exception):
    """The link was right but can no longer be used (410); `message` is for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Result:
    kind: str  # UNCHANGED, RECORDED, REVIEW or CANCELLED
    appointment: Appointment
    reasons: tuple[str, ...] = ()


def link_problem(appointment: Appointment, *, now: dt.datetime) -> str | None:
    """Why the link of `appointment` cannot be used at `now`, or None."""
    if appointment.status not in OPEN:
        return LINK_SESSION_OVER.format(status=appointment.get_status_display().lower())
    if now >= appointment.start:
        return LINK_EXPIRED
    return None


def reconfirm_page_answers(*, link: ReconfirmationLink) -> dict[str, Any]:
    """The client's current answers for the link's page: their own read, logged."""
    appointment = link.appointment
    return privacy.read_own_intake_answers(
        appointment=appointment, client=appointment.client, where="re-confirmation link"
    )


def may_say_unchanged(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """The one-tap "nothing changed" needs answers that are still current: a year-old intake
    or one of an older questionnaire is answered again in full (`intake_currency`)."""
    return intake_currency(appointment.intake, now=now).is_current


def _locked(appointment: Appointment, now: dt.datetime) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("intake", "client", "service__style", "therapist")
        .get(pk=appointment.pk)
    )
    problem = link_problem(appointment, now=now)
    if problem:
        raise LinkClosed(problem)
    return appointment


def _record(appointment: Appointment, actor, **details: Any) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        actor=actor,
        kind=AppointmentEvent.Kind.RECONFIRMED,
        details=details,
    )


def reconfirm_unchanged(*, link: ReconfirmationLink, now: dt.datetime | None = None) -> Result:
    """The client says nothing changed: recorded in the history, answers untouched."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        appointment = _locked(link.appointment, now)
        if not may_say_unchanged(appointment, now=now):
            raise BookingError(
                intake_currency(appointment.intake, now=now).why, code="intake_outdated"
            )
        _record(appointment, None, via=VIA_LINK, changed=False)
    return Result(UNCHANGED, appointment)


def reconfirm_change(
    *, link: ReconfirmationLink, answers: dict[str, Any], now: dt.datetime | None = None
) -> Result:
    """The client changed answers: screen them as a booking would, keep the old intake, and
    cancel, send back to review or record, in one transaction (all or nothing)."""
    now = now or timezone.now()
    try:
        today = clinic_today(now)
        cleaned = screening.validate_answers(answers, today=today)
        # Dated answers (questionnaire 3) are judged for the session's own local day.
        result = screening.screen(cleaned, on=clinic_today(link.appointment.start), today=today)
    except screening.InvalidAnswers as invalid:
        raise BookingError(
            "Please answer every intake question.", code="invalid_intake", errors=invalid.errors
        ) from invalid
    with transaction.atomic(durable=True):
        appointment = _locked(link.appointment, now)
        previous = appointment.intake
        outdated = not intake_currency(previous, now=now).is_current
        if cleaned == previous.answers and not outdated:
            _record(appointment, None, via=VIA_LINK, changed=False)
            return Result(UNCHANGED, appointment)
        # The clearance on the session's record, as staff relied on it when they approved:
        # it must still cover what the new answers need, and its scope still binds.
        restriction = clearances.session_restriction(
            client=appointment.client,
            day=clinic_today(appointment.start),
            result=result,
            answers=cleaned,
        )
        current = Intake.objects.create(
            questionnaire_version=result.version,
            answers=cleaned,
            outcome=result.outcome,
            reasons=list(result.reasons),
            effective_pressure=restriction.pressure,
        )
        IntakeRevision.objects.create(appointment=appointment, previous=previous, current=current)
        appointment.intake = current
        appointment.save(update_fields=["intake", "updated_at"])
        if result.is_declined:
            kind = CANCELLED
        elif restriction.needs_review and appointment.status == AppointmentStatus.CONFIRMED:
            kind = REVIEW
        else:
            kind = RECORDED
        cleared = {"clearance": restriction.clearance.pk} if restriction.clearance else {}
        _record(appointment, None, via=VIA_LINK, changed=True, result=kind, **cleared)
        if kind == CANCELLED:
            booking_cancel_for_safety(
                appointment=appointment,
                reason="The client's updated intake rules walk-on-back massage out",
            )
            notifications.queue_staff_reconfirm_email(appointment, what="cancelled")
        elif kind == REVIEW:
            appointment_status_change(
                appointment=appointment,
                status=AppointmentStatus.PENDING_REVIEW,
                actor=None,
                now=now,
                reconfirmation="needs clearance",
            )
            notifications.queue_appointment_email(appointment, notifications.RECONFIRM_REVIEW)
            notifications.queue_staff_reconfirm_email(appointment, what="review")
    return Result(kind, appointment, tuple(result.reasons))


# --- At the desk --------------------------------------------------------------------------


def may_confirm_at_desk(user, appointment: Appointment) -> bool:
    """The front desk and the manager (who may change appointments) record it; a therapist,
    even the session's own, does not use the admin and may not."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("bookings.change_appointment")
    )


def desk_confirmation_problem(appointment: Appointment, *, now: dt.datetime) -> str | None:
    """Why the desk cannot record "nothing changed" now, or None: on the session's day,
    for a session that is confirmed or checked in."""
    if appointment.status not in (AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN):
        return f"A session that is {appointment.get_status_display().lower()} is not re-confirmed."
    if clinic_today(now) != clinic_today(appointment.start):
        return "The client confirms at check-in, on the day of the session."
    return None


def reconfirm_at_desk(
    *, appointment: Appointment, actor, now: dt.datetime | None = None
) -> Appointment:
    """At check-in the client tells the front desk nothing changed: recorded with who and
    when. The desk never sees the answers to do it."""
    now = now or timezone.now()
    if not may_confirm_at_desk(actor, appointment):
        raise PermissionDenied("Only the front desk or the clinic manager records this.")
    with transaction.atomic(durable=True):
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        problem = desk_confirmation_problem(appointment, now=now)
        if problem:
            raise BookingError(problem, code="not_changeable")
        _record(appointment, actor, via=VIA_DESK, changed=False)
    return appointment


# --- For the therapist's pre-brief --------------------------------------------------------


@dataclass(frozen=True)
class AnswerChange:
    question: str
    before: str
    after: str


@dataclass(frozen=True)
class Summary:
    """What the pre-brief shows: the last re-confirmation (None: the client has not
    re-confirmed yet) and every answer that differs from the one the session was booked
    with."""

    last_at: dt.datetime | None
    last_via: str
    changes: list[AnswerChange] = field(default_factory=list)
    link_sent: bool = False


def answer_changes(before: dict[str, Any], after: dict[str, Any]) -> list[AnswerChange]:
    """The questions whose answers differ, in questionnaire order, written for people."""
    return [
        AnswerChange(
            q.text,
            screening.answer_text(q, before.get(q.key)),
            screening.answer_text(q, after.get(q.key)),
        )
        for q in questionnaires.QUESTIONS
        if before.get(q.key) != after.get(q.key)
    ]


def reconfirmation_summary(*, appointment: Appointment, user, where: str) -> Summary:
    """The re-confirmation for the session's therapist or the manager
    (`privacy.may_read_full_intake`), every intake read logged; PermissionDenied otherwise."""
    if not privacy.may_read_full_intake(user, appointment):
        raise PermissionDenied("You may not read this client's health answers.")
    last = (
        appointment.events.filter(kind=AppointmentEvent.Kind.RECONFIRMED)
        .order_by("-at", "-id")
        .first()
    )
    revisions = list(
        appointment.intake_revisions.select_related("previous", "current").order_by("at", "id")
    )
    changes: list[AnswerChange] = []
    if revisions:
        first, latest = revisions[0].previous, revisions[-1].current
        IntakeAccess.objects.bulk_create(
            IntakeAccess(intake_id=pk, user=user, where=where[:100]) for pk in {first.pk, latest.pk}
        )
        changes = answer_changes(first.answers or {}, latest.answers or {})
    return Summary(
        last_at=last.at if last else None,
        last_via=(last.details or {}).get("via", "") if last else "",
        changes=changes,
        link_sent=appointment.reconfirmation_links.exists(),
    )
