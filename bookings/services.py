"""Booking: the final say on every new appointment, and the shared steps that changing one
(`bookings.booking_changes`) reuses.

Every entry point (booking pages, the JSON API, the admin, background tasks) books through
these functions, so the rules hold everywhere. Each runs in one durable transaction that:

1. locks the rows the decision depends on (the rooms that can host the style, then the
   candidate therapists, always in id order so two bookings never deadlock); on SQLite the
   IMMEDIATE transaction already serialises writers;
2. re-reads the schedules and re-checks the slot with `bookings.availability.check_slot`,
   the same code that offered it;
3. writes, with PostgreSQL's exclusion constraints as the last guard: an `IntegrityError`
   from them becomes the same `BookingError` ("this time was just taken"), never a 500.

Nothing is written when a rule refuses, and e-mails go out only after commit.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import (
    availability,
    clearances,
    clients,
    notifications,
    reminders,
    schedule_catalog,
    signals,
    wording,
)
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    BookingProof,
    Room,
    Service,
    TreatmentPlan,
)
from bookings.occupancy import Hold
from bookings.schedules import clinic_rules, load_window, service_spec
from clients.models import Client
from clients.validators import name_problem
from core.clock import clinic_today
from core.languages import client_language
from health import questionnaires, screening
from health.models import Intake
from therapists.clinic_time import moment_within_reach
from therapists.models import Therapist

TAKEN = "taken"
DECLINED = "declined"
# Declined for this day only: a dated answer (a recent surgery) allows a later session.
BOOKABLE_LATER = "bookable_later"
INVALID_INTAKE = "invalid_intake"
INVALID_REQUEST = "invalid_request"
TOO_LATE_TO_CHANGE = "too_late_to_change"
NOT_CHANGEABLE = "not_changeable"
OFFER_EXPIRED = "offer_expired"
CLEARANCE_MISSING = "clearance_missing"

OVERLAP_CONSTRAINTS = {"appointment_no_therapist_overlap", "appointment_no_room_overlap"}
# Reasons that mean "someone else got there first" rather than "this time never works".
TAKEN_REASONS = {
    availability.THERAPIST_BUSY,
    availability.NO_ROOM,
    availability.DAILY_CAP,
    availability.WEEKLY_BUDGET,
}


class BookingError(Exception):
    """A booking request the clinic cannot accept; `message` is written for the client."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        errors: Mapping[str, str] | None = None,
        screening_result: screening.Screening | None = None,
    ):
        message = str(message)  # a lazy translation becomes text in the active language
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = dict(errors or {})
        # For a declined intake: the outcome and reasons, for the "not safe" page.
        self.screening = screening_result
        # For a time someone else just took: that day's free slots for the same choice of
        # therapist, computed on demand from the schedule the booking checked under its
        # locks, so the client can be offered others without reading the calendar again.
        # None when the booking did not get that far (an overlap caught by the database).
        self.free_that_day: Callable[[], list[availability.Slot]] | None = None

    @property
    def is_conflict(self) -> bool:
        return self.code == TAKEN


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str


@dataclass
class BookingResult:
    appointment: Appointment
    manage_token: str
    screening: screening.Screening
    staff_override: bool = False
    notices: list[str] = field(default_factory=list)


def _is_staff(actor: AbstractBaseUser | None) -> bool:
    return bool(actor is not None and actor.is_staff)


def _slot_error(reason: str) -> BookingError:
    code = TAKEN if reason in TAKEN_REASONS else reason
    return BookingError(
        availability.reason_message(reason, grid_phrase=wording.grid_phrase()), code=code
    )


def _aware_utc(start: dt.datetime) -> dt.datetime:
    if timezone.is_naive(start):
        raise BookingError("The start time must include a time zone offset.", code=INVALID_REQUEST)
    try:
        return start.astimezone(dt.UTC)
    except OverflowError:
        raise BookingError("This time is out of range.", code=INVALID_REQUEST) from None


def _within_reach(start: dt.datetime, now: dt.datetime) -> None:
    """Refuse absurd years up front: date arithmetic near year 1 or 9999 overflows."""
    if not moment_within_reach(start, now=now):
        raise _slot_error(availability.TOO_FAR if start > now else availability.TOO_SOON)


def _lock(service: Service, therapists: list[Therapist]) -> None:
    """Serialise bookings that could compete for the same room or therapist."""
    if not settings.BOOKING_ROW_LOCKS:  # only the negative-control test turns this off
        return
    list(
        Room.objects.select_for_update()
        .filter(active=True, styles=service.style_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        Therapist.objects.select_for_update()
        .filter(pk__in=[t.pk for t in therapists])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _find_slot(
    *,
    service: Service,
    candidates: list[Therapist],
    start: dt.datetime,
    now: dt.datetime,
    rules: availability.Rules,
    ignore_appointment_id: int | None = None,
    ignore_hold: Hold | None = None,
    room_id: int | None = None,
) -> tuple[Therapist, int]:
    """The therapist (least busy that day among candidates) and room for `start`, or raise.
    `room_id`: only that room will do (the desk dragged a session into it)."""
    local_day = start.astimezone(rules.tz).date()
    window = load_window(
        first_day=local_day,
        days=1,
        therapists=candidates,
        tz=rules.tz,
        ignore_appointment_id=ignore_appointment_id,
        ignore_hold=ignore_hold,
    )
    rooms = window.rooms if room_id is None else [r for r in window.rooms if r.id == room_id]
    by_id = {t.pk: t for t in candidates}
    schedules = sorted(
        window.therapists, key=lambda s: (s.sessions_per_day.get(local_day, 0), s.slug)
    )
    reasons = []
    for schedule in schedules:
        reason, room = availability.check_slot(
            service=service_spec(service),
            therapist=schedule,
            rooms=rooms,
            closed_days=window.closed_days,
            start=start,
            now=now,
            rules=rules,
        )
        if reason is None:
            return by_id[schedule.id], room
        reasons.append(reason)
    if not reasons:
        raise BookingError(
            _("No therapist can take this booking."), code=availability.NOT_QUALIFIED
        )
    # With several candidates, "taken" wins: the time works, just not right now.
    taken = [r for r in reasons if r in TAKEN_REASONS]
    error = _slot_error(taken[0] if taken else reasons[0])
    if taken:
        error.free_that_day = lambda: availability.free_slots_any(
            service=service_spec(service),
            therapists=window.therapists,
            rooms=window.rooms,
            closed_days=window.closed_days,
            first_day=local_day,
            days=1,
            now=now,
            rules=rules,
        )
    raise error


def intake_screen(
    *,
    answers: Mapping[str, Any],
    on: dt.date | None = None,
    error: type[BookingError] = BookingError,
    version: int = questionnaires.QUESTIONNAIRE_VERSION,
    today: dt.date | None = None,
) -> screening.Screening:
    """Screen intake answers as a booking does, for a session on the local day `on`:
    incomplete answers and a declined intake raise `error` (a BookingError subclass, e.g.
    the waitlist's own) with the client's message; otherwise the screening, which may
    restrict pressure or need clearance. A session ruled out only by a dated answer (a
    recent surgery) raises with code BOOKABLE_LATER, the screening saying the first day.
    `version` and `today`: see `screening.validate_answers`."""
    try:
        result = screening.screen(answers, on=on, version=version, today=today)
    except screening.InvalidAnswers as invalid:
        raise error(
            _("Please answer every intake question."), code=INVALID_INTAKE, errors=invalid.errors
        ) from invalid
    if result.is_declined:
        code = DECLINED if result.bookable_from is None else BOOKABLE_LATER
        raise error(" ".join(_(r) for r in result.reasons), code=code, screening_result=result)
    return result


def _rescreen_for_day(appointment: Appointment, day: dt.date) -> None:
    """Moving a session re-judges its intake's dated answers for the new day: a session
    moved before the bookable-from day of a recent surgery is refused like a booking."""
    intake = appointment.intake
    if not intake.answers or not screening.questionnaire(intake.questionnaire_version).dated_rules:
        return  # erased answers, or a version without dated answers: nothing depends on the day
    intake_screen(answers=intake.answers, on=day, version=intake.questionnaire_version)


def slot_lock(*, service: Service, therapists: list[Therapist]) -> None:
    """Take the locks a booking takes (the style's rooms, then the therapists, in id order),
    for work that must not race a booking, such as a waitlist offer holding a slot. Call it
    inside a transaction, before locking anything else."""
    _lock(service, therapists)


def slot_find(
    *,
    service: Service,
    therapist: Therapist,
    start: dt.datetime,
    now: dt.datetime,
    rules: availability.Rules | None = None,
) -> int:
    """Re-check that `therapist` can take `service` at `start` as a booking would, with the
    clinic's rules (or `rules`: a series reaches past the horizon); return the room it
    would use, or raise BookingError. Call after `slot_lock` in the same transaction."""
    _, room_id = _find_slot(
        service=service,
        candidates=[therapist],
        start=start,
        now=now,
        rules=rules or clinic_rules(),
    )
    return room_id


def _candidates(service: Service, therapist: Therapist | None) -> list[Therapist]:
    if therapist is not None:
        if not therapist.active:
            raise BookingError(
                _("This therapist is not taking bookings."), code=availability.NOT_QUALIFIED
            )
        return [therapist]
    # Only therapists who hold the style's certification at all; dates are checked later.
    return schedule_catalog.holders(service.style.required_credential)


def _record(appointment: Appointment, kind: str, actor, *, override: bool = False, **details):
    AppointmentEvent.objects.create(
        appointment=appointment,
        actor=actor,
        kind=kind,
        staff_override=override,
        details=details,
    )


def _announce_cancelled(appointment: Appointment, *, late: bool) -> None:
    """Tell the feature apps (payments: refund or keep a deposit) once the cancel commits."""
    transaction.on_commit(
        lambda: signals.appointment_cancelled.send(
            sender=Appointment, appointment_id=appointment.pk, late=late
        ),
        robust=True,
    )


def _deposit_required(service: Service, actor) -> bool:
    """Whether a feature app (payments) wants a deposit paid before this booking counts."""
    answers = signals.deposit_required.send(sender=Appointment, service=service, actor=actor)
    return any(answer is True for _receiver, answer in answers)


def _insert_guarded(write: Callable[[], Any]) -> Any:
    """Run a write; an exclusion-constraint violation means someone just took the time."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if constraint in OVERLAP_CONSTRAINTS:
            raise BookingError(
                availability.REASON_MESSAGES[availability.THERAPIST_BUSY], code=TAKEN
            ) from error
        raise


def booking_create(
    *,
    service: Service,
    therapist: Therapist | None,
    start: dt.datetime,
    client: ClientDetails,
    answers: Mapping[str, Any],
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
    hold: Hold | None = None,
    record: Client | None = None,
    questionnaire_version: int = questionnaires.QUESTIONNAIRE_VERSION,
    language: str = "",
) -> BookingResult:
    """Book `service` at `start` with `therapist` (None: any qualified, free therapist).

    The intake is screened first: a declined intake books nothing; one that needs clearance
    books as pending review (the slot is held); light pressure caps the pressure. Staff
    (`actor.is_staff`) may book inside the minimum-notice window, e.g. for a walk-in.
    `hold`: the client takes over this held slot (an accepted waitlist offer), which the
    check leaves out and the booking claims in its transaction (`bookings.occupancy`).
    `record`: the signed-in client's verified record; a booking under its address joins it
    in this transaction, and a clearance on it may spare the review (`bookings.clearances`).
    `questionnaire_version`: the version the answers were given under (new answers: the
    current one; a waitlist entry keeps the version it was answered in). Dated answers
    are judged for the session's local day.
    `language`: the client's ("es", "en"; default the clinic's), kept on the booking so that
    every e-mail about it, reminders included, is written in it.
    """
    now = now or timezone.now()
    language = client_language(language)
    if problem := name_problem(client.name):  # forms check it too; this is the final say
        raise BookingError(problem, code=INVALID_REQUEST, errors={"name": problem})
    start = _aware_utc(start)
    _within_reach(start, now)
    today = clinic_today(now)
    result = intake_screen(
        answers=answers, on=clinic_today(start), version=questionnaire_version, today=today
    )
    if not service.active:
        raise BookingError(_("This service is not offered any more."), code=INVALID_REQUEST)
    staff = _is_staff(actor)
    rules = clinic_rules(min_notice=dt.timedelta(0) if staff else None)
    candidates = _candidates(service, therapist)
    awaiting_deposit = _deposit_required(service, actor)

    with transaction.atomic(durable=True):
        _lock(service, candidates)
        if hold is not None:
            hold.lock()  # before the first write: see `occupancy.Hold.lock`
        chosen, room_id = _find_slot(
            service=service,
            candidates=candidates,
            start=start,
            now=now,
            rules=rules,
            ignore_hold=hold,
        )
        joining = clearances.record_for_booking(record, client.email)
        return booking_write_locked(
            service=service,
            therapist=chosen,
            room_id=room_id,
            start=start,
            client=client,
            answers=answers,
            result=result,
            awaiting_deposit=awaiting_deposit,
            actor=actor,
            now=now,
            hold=hold,
            joining=joining,
            clearance_record=joining,
            language=language,
        )


def booking_write_locked(
    *,
    service: Service,
    therapist: Therapist,
    room_id: int,
    start: dt.datetime,
    client: ClientDetails | Client,
    answers: Mapping[str, Any],
    result: screening.Screening,
    awaiting_deposit: bool,
    actor: AbstractBaseUser | None,
    now: dt.datetime,
    hold: Hold | None = None,
    treatment_plan: TreatmentPlan | None = None,
    history: Mapping[str, Any] | None = None,
    joining: Client | None = None,
    clearance_record: Client | None = None,
    language: str = "",
) -> BookingResult:
    """Write one booking whose slot was just checked (`_find_slot` / `slot_find`) inside the
    caller's open transaction, after `slot_lock`: the intake, the client row (a new one from
    `ClientDetails`, or an existing record), the appointment, its history line, e-mails and
    reminder. `booking_create` and the series (bookings/series.py) share it, so a session
    booked in a series is written exactly as a single booking is. `history` adds details to
    the "Booked" line (the series and the session's number in it). `joining`: the verified
    record the booking joins (`clearances.record_for_booking`); `clearance_record`: the
    verified record whose clearances count (`clearances.session_restriction`: one covering
    the session spares the review, and its scope caps the pressure).
    `language`: the client's, kept so every e-mail about the booking is written in it."""

    restriction = clearances.session_restriction(
        client=clearance_record, day=clinic_today(start), result=result, answers=answers
    )
    clearance = restriction.clearance
    appointment, token = _insert_guarded(
        lambda: _write_appointment(
            service=service,
            therapist=therapist,
            room_id=room_id,
            start=start,
            client=client,
            answers=answers,
            result=result,
            restriction=restriction,
            status=_first_status(awaiting_deposit=awaiting_deposit, restriction=restriction),
            actor=actor,
            now=now,
            treatment_plan=treatment_plan,
            language=language,
        )
    )
    if hold is not None and not hold.claim(appointment=appointment, now=now):
        raise BookingError(
            _(
                "This offer has expired and the time was offered to the next person on "
                "the waitlist. You are still on the waitlist."
            ),
            code=OFFER_EXPIRED,
        )
    if joining is not None:
        clients.client_join_signed_in(record=joining, appointment=appointment)
        appointment.client = joining
    _record(
        appointment,
        AppointmentEvent.Kind.CREATED,
        actor,
        status=appointment.status,
        **dict(history or {}),
        **(_cleared(clearance) if clearance and not awaiting_deposit else {}),
    )
    _announce_booked(appointment, token=token, awaiting_deposit=awaiting_deposit)
    reminders.reminder_schedule(appointment=appointment, now=now)
    return BookingResult(appointment=appointment, manage_token=token, screening=result)


def _first_status(*, awaiting_deposit: bool, restriction: clearances.Restriction) -> str:
    """A new booking waits for its deposit first, then for review when no clearance
    covers it; otherwise it is confirmed at once."""
    if awaiting_deposit:
        return AppointmentStatus.AWAITING_DEPOSIT
    if restriction.needs_review:
        return AppointmentStatus.PENDING_REVIEW
    return AppointmentStatus.CONFIRMED


def _write_appointment(
    *,
    service: Service,
    therapist: Therapist,
    room_id: int,
    start: dt.datetime,
    client: ClientDetails | Client,
    answers: Mapping[str, Any],
    result: screening.Screening,
    restriction: clearances.Restriction,
    status: str,
    actor: AbstractBaseUser | None,
    now: dt.datetime,
    treatment_plan: TreatmentPlan | None,
    language: str,
) -> tuple[Appointment, str]:
    """The rows of one booking: the screened intake, the client (a new row from
    `ClientDetails`, or the existing record) and the appointment with its manage token."""
    intake = Intake.objects.create(
        questionnaire_version=result.version,
        answers=screening.validate_answers(answers, version=result.version),
        outcome=result.outcome,
        reasons=list(result.reasons),
        effective_pressure=restriction.pressure,
    )
    appointment = Appointment(
        client=(
            client
            if isinstance(client, Client)
            else Client.objects.create(name=client.name, email=client.email, phone=client.phone)
        ),
        therapist=therapist,
        service=service,
        room_id=room_id,
        intake=intake,
        language=language,
        start=start,
        end=start + service.duration,
        occupied_until=start + service.duration + dt.timedelta(minutes=therapist.buffer_minutes),
        status=status,
        treatment_plan=treatment_plan,
    )
    if isinstance(client, Client):
        # Booked straight onto a record: by staff who chose it, or by its signed-in
        # client (a series); either way the record's own (bookings/clients.py).
        appointment.proven_by = BookingProof.CLINIC if _is_staff(actor) else BookingProof.SIGNED_IN
        appointment.proven_at = now
    token = appointment.set_manage_token()
    appointment.save()
    return appointment, token


def _announce_booked(appointment: Appointment, *, token: str, awaiting_deposit: bool) -> None:
    """The client's e-mail for the new booking and, unless it waits for its deposit, the
    therapist's (who hears of a held booking once the deposit is paid)."""
    if awaiting_deposit:
        notifications.queue_appointment_email(
            appointment, notifications.AWAITING_DEPOSIT, token=token
        )
        return
    held = appointment.status == AppointmentStatus.PENDING_REVIEW
    notifications.queue_appointment_email(
        appointment,
        notifications.PENDING_REVIEW if held else notifications.CONFIRMED,
        token=token,
    )
    notifications.queue_therapist_email(appointment, notifications.THERAPIST_NEW)


def _cleared(clearance) -> dict[str, Any]:
    """The history's note that a clearance on record spared the review."""
    return {"clearance": clearance.pk, "review": "not needed: clearance on record"}
