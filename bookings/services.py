"""Booking, cancelling and rescheduling: the final say on every appointment.

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
from collections.abc import Callable, Iterable, Mapping
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
    screening,
    signals,
    wording,
)
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    BookingProof,
    Client,
    Intake,
    IntakeOutcome,
    Room,
    Service,
    SessionNote,
    TreatmentPlan,
)
from bookings.occupancy import Hold
from bookings.schedules import clinic_rules, load_window, service_spec
from bookings.validators import name_problem
from core.clock import clinic_today
from core.languages import client_language
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
) -> tuple[Therapist, int]:
    """The therapist (least busy that day among candidates) and room for `start`, or raise."""
    local_day = start.astimezone(rules.tz).date()
    window = load_window(
        first_day=local_day,
        days=1,
        therapists=candidates,
        tz=rules.tz,
        ignore_appointment_id=ignore_appointment_id,
        ignore_hold=ignore_hold,
    )
    by_id = {t.pk: t for t in candidates}
    schedules = sorted(
        window.therapists, key=lambda s: (s.sessions_per_day.get(local_day, 0), s.slug)
    )
    reasons = []
    for schedule in schedules:
        reason, room_id = availability.check_slot(
            service=service_spec(service),
            therapist=schedule,
            rooms=window.rooms,
            closed_days=window.closed_days,
            start=start,
            now=now,
            rules=rules,
        )
        if reason is None:
            return by_id[schedule.id], room_id
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
    version: int = screening.QUESTIONNAIRE_VERSION,
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
    questionnaire_version: int = screening.QUESTIONNAIRE_VERSION,
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

    def write() -> tuple[Appointment, str]:
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
            occupied_until=start
            + service.duration
            + dt.timedelta(minutes=therapist.buffer_minutes),
            status=(
                AppointmentStatus.AWAITING_DEPOSIT
                if awaiting_deposit
                else AppointmentStatus.PENDING_REVIEW
                if restriction.needs_review
                else AppointmentStatus.CONFIRMED
            ),
            treatment_plan=treatment_plan,
        )
        if isinstance(client, Client):
            # Booked straight onto a record: by staff who chose it, or by its signed-in
            # client (a series); either way the record's own (bookings/clients.py).
            appointment.proven_by = (
                BookingProof.CLINIC if _is_staff(actor) else BookingProof.SIGNED_IN
            )
            appointment.proven_at = now
        token = appointment.set_manage_token()
        appointment.save()
        return appointment, token

    appointment, token = _insert_guarded(write)
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
    held = appointment.status == AppointmentStatus.PENDING_REVIEW
    if awaiting_deposit:
        # The therapist hears of it once the deposit is paid (booking_deposit_paid).
        notifications.queue_appointment_email(
            appointment, notifications.AWAITING_DEPOSIT, token=token
        )
    else:
        notifications.queue_appointment_email(
            appointment,
            notifications.PENDING_REVIEW if held else notifications.CONFIRMED,
            token=token,
        )
        notifications.queue_therapist_email(appointment, notifications.THERAPIST_NEW)
    reminders.reminder_schedule(appointment=appointment, now=now)
    return BookingResult(appointment=appointment, manage_token=token, screening=result)


def _check_changeable(appointment: Appointment) -> None:
    """Raise unless the booking can still change at all (not cancelled, completed...)."""
    if not appointment.is_changeable:
        raise BookingError(
            _("This booking is %(status)s and cannot be changed.")
            % {"status": str(appointment.get_status_display()).lower()},
            code=NOT_CHANGEABLE,
        )


def _check_may_change(appointment: Appointment, actor, now: dt.datetime) -> bool:
    """Raise unless `actor` may change the appointment now; True when staff overrode the
    client cut-off."""
    _check_changeable(appointment)
    if appointment.client_can_change(now):
        return False
    if _is_staff(actor):
        return True
    raise BookingError(
        _(
            "Bookings can be changed online until %(cutoff)s before the start. "
            "Please call the clinic."
        )
        % {"cutoff": wording.change_cutoff()},
        code=TOO_LATE_TO_CHANGE,
    )


def booking_cancel(
    *,
    appointment: Appointment,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel, which frees the slot. Clients (actor None) only until the cut-off; staff
    any time before the session, with the override recorded."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        return booking_cancel_locked(appointment=appointment, actor=actor, reason=reason, now=now)


def booking_cancel_locked(
    *,
    appointment: Appointment,
    actor: AbstractBaseUser | None,
    reason: str,
    now: dt.datetime,
    history: Mapping[str, Any] | None = None,
) -> Appointment:
    """`booking_cancel` inside the caller's open transaction (a series cancels its future
    sessions in one transaction): lock, check, cancel, history, e-mails, reminder, and the
    slot_freed / appointment_cancelled signals after commit."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    override = _check_may_change(appointment, actor, now)
    return _cancel(
        appointment,
        actor,
        email=notifications.CANCELLED,
        late=override,
        override=override,
        reason=reason[:500],
        **dict(history or {}),
    )


def _cancel(
    appointment: Appointment, actor, *, email: str, late: bool, **history: Any
) -> Appointment:
    """What every cancellation does once it is allowed: the status, the history line, the
    client's e-mail (`email`: its kind) and the therapist's, the reminders withdrawn, and
    after commit slot_freed and appointment_cancelled (`late`: whether a fee may apply)."""
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, AppointmentEvent.Kind.CANCELLED, actor, **history)
    notifications.queue_appointment_email(appointment, email)
    notifications.queue_therapist_email(appointment, notifications.THERAPIST_CANCELLED)
    reminders.reminder_cancel(appointment=appointment)
    signals.slot_freed_after_commit(sender=Appointment)
    _announce_cancelled(appointment, late=late)
    return appointment


def booking_cancel_for_safety(*, appointment: Appointment, reason: str) -> Appointment:
    """Cancel because the client's own updated intake rules the session out (issue #13):
    never a late cancellation whatever the hour (no fee, deposit refunded: `late=False`),
    the client's cut-off does not apply, and the client gets the plain explanation instead
    of the ordinary cancellation e-mail. Not durable: the re-confirmation calls it inside
    the transaction that records the new intake, with `appointment` locked."""
    _check_changeable(appointment)
    return _cancel(
        appointment,
        None,
        email=notifications.RECONFIRM_DECLINED,
        late=False,
        old=appointment.status,
        reason=reason[:500],
        safety="declined at re-confirmation",
    )


def booking_deposit_paid(*, appointment: Appointment) -> bool:
    """The client paid the deposit: the held booking now counts (confirmed, or pending review
    when the intake needs clearance). False when it no longer waits (the hold ran out, or it
    was cancelled), so the caller must give the money back.

    Not durable: the payments app calls it inside the transaction that records the payment,
    so the payment and the confirmation commit together.
    """
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("intake")
            .get(pk=appointment.pk)
        )
        if appointment.status != AppointmentStatus.AWAITING_DEPOSIT:
            return False
        needs_clearance = appointment.intake.outcome == IntakeOutcome.NEEDS_CLEARANCE
        clearance = clearances.clearance_for_appointment(appointment) if needs_clearance else None
        needs_clearance = needs_clearance and clearance is None
        if clearance is not None:
            _apply_scope(appointment, clearance)
        appointment.status = (
            AppointmentStatus.PENDING_REVIEW if needs_clearance else AppointmentStatus.CONFIRMED
        )
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.STATUS,
            None,
            old=AppointmentStatus.AWAITING_DEPOSIT,
            new=appointment.status,
            deposit="paid",
            **(_cleared(clearance) if clearance else {}),
        )
        notifications.queue_appointment_email(
            appointment,
            notifications.PENDING_REVIEW if needs_clearance else notifications.CONFIRMED,
        )
        notifications.queue_therapist_email(appointment, notifications.THERAPIST_NEW)
    return True


def booking_release_unpaid(*, appointment: Appointment) -> bool:
    """The deposit was not paid within the hold: cancel the booking, which frees the slot
    (and offers it to the waitlist). False when another process got there first or the
    deposit was paid meanwhile."""
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(skip_locked=True)
            .filter(pk=appointment.pk, status=AppointmentStatus.AWAITING_DEPOSIT)
            .first()
        )
        if appointment is None:
            return False
        appointment.status = AppointmentStatus.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.CANCELLED,
            None,
            reason="The deposit was not paid in time",
        )
        notifications.queue_appointment_email(appointment, notifications.HOLD_EXPIRED)
        reminders.reminder_cancel(appointment=appointment)
        signals.slot_freed_after_commit(sender=Appointment)
        _announce_cancelled(appointment, late=False)
    return True


def booking_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    therapist: Therapist | None = None,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move to `start` (and `therapist`, default: the same one) atomically: if the new time
    cannot be had, the booking keeps its old time and nothing changes."""
    now = now or timezone.now()
    start = _aware_utc(start)
    _within_reach(start, now)
    staff = _is_staff(actor)
    with transaction.atomic(durable=True):
        # of=("self",): lock only the appointment row. Locking the joined therapist and style
        # rows here, before `_lock` takes rooms then therapists, would take locks in the
        # opposite order to booking_create and deadlock against it.
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("service__style", "therapist", "intake")
            .get(pk=appointment.pk)
        )
        override = _check_may_change(appointment, actor, now)
        _rescreen_for_day(appointment, clinic_today(start))
        new_therapist = therapist or appointment.therapist
        candidates = _candidates(appointment.service, new_therapist)
        _lock(appointment.service, candidates)
        chosen, room_id = _find_slot(
            service=appointment.service,
            candidates=candidates,
            start=start,
            now=now,
            rules=clinic_rules(min_notice=dt.timedelta(0) if staff else None),
            ignore_appointment_id=appointment.pk,
        )
        old = {"start": appointment.start.isoformat(), "therapist": appointment.therapist.slug}
        old_start, old_therapist = appointment.start, appointment.therapist
        appointment.therapist = chosen
        appointment.room_id = room_id
        appointment.start = start
        appointment.end = start + appointment.service.duration
        appointment.occupied_until = appointment.end + dt.timedelta(minutes=chosen.buffer_minutes)
        _insert_guarded(
            lambda: appointment.save(
                update_fields=["therapist", "room", "start", "end", "occupied_until", "updated_at"]
            )
        )
        _record(
            appointment,
            AppointmentEvent.Kind.RESCHEDULED,
            actor,
            override=override,
            old=old,
            new={"start": start.isoformat(), "therapist": chosen.slug},
        )
        # The clearance that covered the old day may not cover the new one, or cover it
        # with another scope.
        session_restrict(appointment=appointment, actor=actor, now=now, moved=True)
        notifications.queue_move_emails(
            appointment, old_start=old_start, old_therapist=old_therapist
        )
        reminders.reminder_schedule(appointment=appointment, now=now)
        signals.slot_freed_after_commit(sender=Appointment)
    return appointment


# --- After booking: status, review, notes ------------------------------------------------

# Which statuses each status may be reached from. Cancelling goes through booking_cancel and
# approving or declining a review through intake_approve / intake_decline.
STATUS_TRANSITIONS = {
    AppointmentStatus.CHECKED_IN: {AppointmentStatus.CONFIRMED},
    AppointmentStatus.COMPLETED: {AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN},
    # Issue #13: a re-confirmed intake that newly needs clearance sends the session back to
    # review before it starts (bookings/reconfirmation.py); nobody sets it by hand.
    AppointmentStatus.PENDING_REVIEW: {AppointmentStatus.CONFIRMED},
}
# What staff and therapists set by hand (the admin's buttons, the portal's form).
BY_HAND = (AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def _status_refusal(appointment: Appointment, status: str, now: dt.datetime) -> BookingError | None:
    """Why `appointment` may not be given `status` at `now`, or None if it may."""
    if status not in STATUS_TRANSITIONS:
        return BookingError("That status cannot be set here.", code=INVALID_REQUEST)
    if appointment.status not in STATUS_TRANSITIONS[status]:
        return BookingError(
            f"A booking that is {appointment.get_status_display().lower()} cannot be "
            f"marked {AppointmentStatus(status).label.lower()}.",
            code=NOT_CHANGEABLE,
        )
    if status == AppointmentStatus.CHECKED_IN and clinic_today(now) < clinic_today(
        appointment.start
    ):
        return BookingError(
            "A client can be checked in on the day of the session.", code=NOT_CHANGEABLE
        )
    if status == AppointmentStatus.PENDING_REVIEW:
        if now >= appointment.start:
            return BookingError("This session has already started.", code=NOT_CHANGEABLE)
        return None
    if status != AppointmentStatus.CHECKED_IN and now < appointment.start:
        return BookingError("This session has not started yet.", code=NOT_CHANGEABLE)
    return None


def allowed_status_changes(
    *, appointment: Appointment, now: dt.datetime | None = None, among: Iterable[str] | None = None
) -> list[str]:
    """The statuses `appointment` may be given at `now` (check in, completed, no-show), in
    that order, optionally only `among` some. The one rule: the admin's buttons and the
    portal's form offer these, and `appointment_set_status` refuses anything else."""
    now = now or timezone.now()
    wanted = set(BY_HAND if among is None else among)
    return [
        status
        for status in STATUS_TRANSITIONS
        if status in wanted and _status_refusal(appointment, status, now) is None
    ]


def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    actor: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Appointment:
    """Check a client in, mark the session completed or a no-show; recorded with who and when.

    A session can be checked in from its day on, and completed or marked a no-show only once
    it has started: nobody can "complete" tomorrow's session by mistake.
    """
    now = now or timezone.now()
    if status not in BY_HAND:
        raise BookingError("That status cannot be set here.", code=INVALID_REQUEST)
    with transaction.atomic(durable=True):
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        return appointment_status_change(
            appointment=appointment, status=status, actor=actor, now=now
        )


def appointment_status_change(
    *,
    appointment: Appointment,
    status: str,
    actor: AbstractBaseUser | None,
    now: dt.datetime,
    **details: Any,
) -> Appointment:
    """The status change itself, refused unless `allowed_status_changes` would offer it.
    Not durable: call it inside the caller's transaction with `appointment` locked (the
    re-confirmation changes the intake and the status in one transaction)."""
    refusal = _status_refusal(appointment, status, now)
    if refusal is not None:
        raise refusal
    previous = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, AppointmentEvent.Kind.STATUS, actor, old=previous, new=status, **details)
    return appointment


def session_restrict(
    *, appointment: Appointment, actor: AbstractBaseUser | None, now: dt.datetime, **details: Any
) -> clearances.Restriction | None:
    """Hold a booked session to `clearances.appointment_restriction` again, inside the
    caller's transaction with `appointment` locked (a move to another day, a withdrawn
    clearance): a confirmed session that needs clearance and that no clearance covers any
    more goes back to review through `appointment_status_change`, and the client and the
    clinic are told as when a re-confirmed intake sends it back; otherwise the pressure
    becomes what the clearance covering it allows. `details` go into the history."""
    if appointment.intake.outcome != IntakeOutcome.NEEDS_CLEARANCE:
        return None
    restriction = clearances.appointment_restriction(appointment)
    if restriction is None:
        return None
    intake = appointment.intake
    if restriction.pressure != intake.effective_pressure:
        intake.effective_pressure = restriction.pressure
        intake.save(update_fields=["effective_pressure"])
    if restriction.needs_review and appointment.status == AppointmentStatus.CONFIRMED:
        appointment_status_change(
            appointment=appointment,
            status=AppointmentStatus.PENDING_REVIEW,
            actor=actor,
            now=now,
            clearance_review="no clearance covers it",
            **details,
        )
        notifications.queue_appointment_email(appointment, notifications.CLEARANCE_REVIEW)
        notifications.queue_staff_reconfirm_email(appointment, what="clearance")
    return restriction


def _cleared(clearance) -> dict[str, Any]:
    """The history's note that a clearance on record spared the review."""
    return {"clearance": clearance.pk, "review": "not needed: clearance on record"}


def _apply_scope(appointment: Appointment, clearance) -> None:
    """A clearance's scope binds the session (light pressure only, say): the strictest of
    the intake's own cap and the clearance's (`clearances.session_restriction`)."""
    intake = appointment.intake
    restriction = clearances.appointment_restriction(appointment)
    pressure = clearances.scoped_pressure(
        clearance, restriction.pressure if restriction else intake.effective_pressure
    )
    if pressure != intake.effective_pressure:
        intake.effective_pressure = pressure
        intake.save(update_fields=["effective_pressure"])


def _review(appointment: Appointment, actor, *, approve: bool, note: str) -> Appointment:
    with transaction.atomic(durable=True):
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != AppointmentStatus.PENDING_REVIEW:
            raise BookingError("This booking is not waiting for review.", code=NOT_CHANGEABLE)
        cleared = {}
        if approve:
            if refusal := clearances.approval_refusal(appointment):
                raise BookingError(refusal, code=CLEARANCE_MISSING)
            clearance = clearances.approving_clearance(appointment)
            _apply_scope(appointment, clearance)
            cleared = {"clearance": clearance.pk}
        appointment.status = AppointmentStatus.CONFIRMED if approve else AppointmentStatus.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        _record(
            appointment,
            AppointmentEvent.Kind.STATUS if approve else AppointmentEvent.Kind.CANCELLED,
            actor,
            old=AppointmentStatus.PENDING_REVIEW,
            new=appointment.status,
            review="approved" if approve else "declined",
            note=note[:1000],
            **cleared,
        )
        notifications.queue_appointment_email(
            appointment, notifications.APPROVED if approve else notifications.REVIEW_DECLINED
        )
        if not approve:
            notifications.queue_therapist_email(appointment, notifications.THERAPIST_CANCELLED)
            reminders.reminder_cancel(appointment=appointment)
            signals.slot_freed_after_commit(sender=Appointment)
            _announce_cancelled(appointment, late=False)
    return appointment


def intake_approve(
    *, appointment: Appointment, actor: AbstractBaseUser, note: str = ""
) -> Appointment:
    """Clinical staff clear a booking held for review: it becomes confirmed, the client is told.
    Only with a clearance on the client's record that covers the session
    (`bookings.clearances.approval_refusal`); its scope (light pressure) then applies."""
    return _review(appointment, actor, approve=True, note=note)


def intake_decline(
    *, appointment: Appointment, actor: AbstractBaseUser, note: str = ""
) -> Appointment:
    """Clinical staff decide the session is not safe: it is cancelled (freeing the slot) and the
    client is told, with the note as the explanation."""
    return _review(appointment, actor, approve=False, note=note)


def session_note_add(
    *,
    appointment: Appointment,
    author: AbstractBaseUser,
    work_done: str,
    pressure_used: str,
    client_response: str = "",
) -> SessionNote:
    """Keep the therapist's note of the session with the appointment (and in its history)."""
    note = SessionNote(
        appointment=appointment,
        author=author,
        work_done=work_done,
        pressure_used=pressure_used,
        client_response=client_response,
    )
    note.full_clean(exclude=["appointment", "author"])
    with transaction.atomic():
        note.save()
        _record(appointment, AppointmentEvent.Kind.NOTE, author)
    return note
