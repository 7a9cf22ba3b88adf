"""Treatment plans: N sessions every K weeks with the same therapist, booked all or nothing.

Clients who come back on a rhythm ("every two weeks, Tuesday at ten, with Aiko") want the
whole plan or none of it: half a plan means calling again for the missing dates. So a
series is booked in ONE durable transaction through the very rules of `booking_create`
(availability, credentials on each date, daily cap, weekly load budget, holds, the same row
locks and exclusion constraints, the same writer `services.booking_write_locked`): if any
session cannot be had, nothing is written, and the answer lists every date that could not
be had, why, and the nearest free times with the same therapist that day or up to two days
either side (`Refusal.alternatives`, from `bookings.availability`).

Rules of a series, decided here once for every entry point (admin page, /account/):

- Shape: 2 to 12 sessions, every 1 to 8 weeks, one therapist (never "any": the point of a
  plan is the same therapist), every start within ten years (`therapists.clinic_time.REACH`).
- Wall-clock time: every session is the first session's *local* date plus 7·K·i days at the
  first session's *local* time, made aware in the clinic's zone (`series_starts`). "Every two
  weeks at 10:00 New York time" stays 10:00 across a daylight-saving change; adding
  timedeltas to an aware UTC instant would move it to 09:00 or 11:00.
- Horizon: the first session must lie within the clinic's booking horizon like any booking;
  the later ones may lie beyond it (booking ahead is what a plan is for), at most
  11 × 8 weeks on.
- Notice: staff may book the first session inside the minimum notice (as `booking_create`);
  clients may not.
- Intake: screened once; the answers apply to every session and are stored with each (an
  appointment has its own intake row, so each session's re-confirmation can change its own).
  A declined intake books nothing. An intake that needs clearance books each session as a
  single booking would (the same rule as `booking_create`, `clearances.session_restriction`,
  rather than a second rule for series): confirmed with the clearance's scope when one on
  the verified record covers that session's day, else pending review (each session holds
  its slot and the clinic clears them).
- Who: staff (front desk, manager: `bookings.add_treatmentplan`, checked by the page) for
  any service; a signed-in client (actor None) only for services with `allows_series`, only
  for their own record, and only from a session of theirs that is booked (the anchor, which
  becomes session 1).
- Deposits: the `deposit_required` signal is asked once and applies to every session (each
  then waits for its own deposit, as a single online booking would); staff series never wait.
- Cancelling the plan (`series_cancel`) cancels its future sessions through
  `booking_changes.booking_cancel_locked` (same e-mails, refunds and slot_freed signals) in one
  transaction, leaving past ones; cancelling one session (`booking_cancel`) leaves the rest.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings import availability, clearances
from bookings.booking_changes import booking_cancel_locked
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Service, TreatmentPlan
from bookings.schedules import available_slots, clinic_rules
from bookings.services import (
    INVALID_REQUEST,
    NOT_CHANGEABLE,
    TAKEN,
    BookingError,
    BookingResult,
    _aware_utc,
    _deposit_required,
    _is_staff,
    _lock,
    _record,
    _within_reach,
    booking_write_locked,
    intake_screen,
    slot_find,
)
from clients.models import Client
from core.clock import clinic_today, clinic_tz, localise
from health import screening
from therapists.models import Therapist

MIN_SESSIONS, MAX_SESSIONS = 2, 12
MIN_INTERVAL_WEEKS, MAX_INTERVAL_WEEKS = 1, 8
ALTERNATIVE_DAYS = 2  # look for other times this many days either side of a refused date
ALTERNATIVES_PER_DATE = 3
NOT_OFFERED_AS_SERIES = "not_offered_as_series"
SOME_DATES_REFUSED = "some_dates_refused"


@dataclass(frozen=True)
class Refusal:
    """One session of the series that cannot be had: which, when, why, and other times."""

    number: int  # 1-based, in the series
    start: dt.datetime
    code: str
    message: str
    alternatives: tuple[dt.datetime, ...] = ()


class SeriesError(BookingError):
    """A series the clinic cannot book; `refusals` lists the dates that could not be had."""

    def __init__(self, message: str, *, code: str, refusals: Sequence[Refusal] = (), **kwargs):
        super().__init__(message, code=code, **kwargs)
        self.refusals = list(refusals)


@dataclass(frozen=True)
class PlannedSession:
    """A session as the preview shows it: free now (refusal None) or not, and why."""

    number: int
    start: dt.datetime
    refusal: Refusal | None = None


@dataclass
class SeriesResult:
    plan: TreatmentPlan
    bookings: list[BookingResult]  # the sessions written now (not the anchor)
    screening: screening.Screening
    anchor: Appointment | None = None


@dataclass
class SeriesCancelResult:
    plan: TreatmentPlan
    cancelled: list[Appointment] = field(default_factory=list)
    kept: list[tuple[Appointment, str]] = field(default_factory=list)  # and why


def series_starts(
    *, first_start: dt.datetime, interval_weeks: int, sessions: int
) -> list[dt.datetime]:
    """Each session's start: the first one's local date + 7·K·i days at its local wall
    time, in the clinic's zone (aware). Never timedeltas on UTC: that would shift the wall
    time by the daylight-saving hour."""
    local = localise(_aware_utc(first_start))
    wall, day, zone = local.time().replace(tzinfo=None), local.date(), clinic_tz()
    return [
        dt.datetime.combine(
            day + dt.timedelta(weeks=interval_weeks * i), wall, tzinfo=zone
        ).replace(fold=local.fold)
        for i in range(sessions)
    ]


def _check_shape(*, interval_weeks: int, sessions: int) -> None:
    problems = {}
    if not MIN_SESSIONS <= sessions <= MAX_SESSIONS:
        problems["sessions"] = f"A series has {MIN_SESSIONS} to {MAX_SESSIONS} sessions."
    if not MIN_INTERVAL_WEEKS <= interval_weeks <= MAX_INTERVAL_WEEKS:
        problems["interval_weeks"] = (
            f"Sessions repeat every {MIN_INTERVAL_WEEKS} to {MAX_INTERVAL_WEEKS} weeks."
        )
    if problems:
        raise SeriesError(" ".join(problems.values()), code=INVALID_REQUEST, errors=problems)


def _check_offer(*, service: Service, therapist: Therapist | None, staff: bool) -> None:
    if therapist is None:
        raise SeriesError(
            "Choose the therapist: a series is booked with one therapist.",
            code=INVALID_REQUEST,
            errors={"therapist": "Choose the therapist for every session."},
        )
    if not therapist.active:
        raise SeriesError("This therapist is not taking bookings.", code=availability.NOT_QUALIFIED)
    if not service.active:
        raise SeriesError("This service is not offered any more.", code=INVALID_REQUEST)
    if not staff and not service.allows_series:
        raise SeriesError(
            "This service cannot be booked as a series online. Please call the clinic.",
            code=NOT_OFFERED_AS_SERIES,
        )


def _rules_for(starts: list[dt.datetime], *, now: dt.datetime, staff: bool):
    """(rules of the first session, rules of the later ones): the later ones may lie
    beyond the booking horizon, up to the series' last session."""
    first = clinic_rules(min_notice=dt.timedelta(0) if staff else None)
    reach = max(first.horizon, starts[-1] - now + dt.timedelta(minutes=1))
    return first, dataclasses.replace(first, horizon=reach)


def _aware_starts(
    starts: list[dt.datetime], replacements: Mapping[int, dt.datetime] | None, now: dt.datetime
) -> list[dt.datetime]:
    """The series' starts with the chosen alternatives swapped in (by session number),
    each aware and within reach."""
    chosen = list(starts)
    for number, start in (replacements or {}).items():
        if not 1 <= number <= len(chosen):
            raise SeriesError("There is no such session in this series.", code=INVALID_REQUEST)
        chosen[number - 1] = start
    chosen = [_aware_utc(start) for start in chosen]
    for start in chosen:
        _within_reach(start, now)
    return chosen


def alternatives(
    *,
    service: Service,
    therapist: Therapist,
    start: dt.datetime,
    now: dt.datetime,
    rules: availability.Rules,
    avoid: Sequence[dt.datetime] = (),
) -> tuple[dt.datetime, ...]:
    """The free times with `therapist` nearest to `start`, on its day or up to
    ALTERNATIVE_DAYS either side (the same listing the booking pages use)."""
    day = start.astimezone(rules.tz).date()
    first_day = day - dt.timedelta(days=ALTERNATIVE_DAYS)
    days = 2 * ALTERNATIVE_DAYS + 1
    slots = available_slots(
        service=service, therapist=therapist, first_day=first_day, days=days, now=now, rules=rules
    )
    taken_days = {moment.astimezone(rules.tz).date() for moment in avoid}
    nearest = sorted(
        (s.start for s in slots if s.start.astimezone(rules.tz).date() not in taken_days),
        key=lambda moment: (abs(moment - start), moment),
    )
    return tuple(moment.astimezone(rules.tz) for moment in nearest[:ALTERNATIVES_PER_DATE])


def _refusal(number, start, error: BookingError, **context) -> Refusal:
    return Refusal(
        number=number,
        start=start.astimezone(clinic_tz()),
        code=error.code,
        message=error.message,
        alternatives=alternatives(start=start, **context),
    )


def _plan_message(refusals: list[Refusal], total: int) -> str:
    dates = ", ".join(f"{r.start:%a %d %b %Y %H:%M}" for r in refusals)
    return (
        f"Nothing was booked: {len(refusals)} of the {total} sessions cannot be had "
        f"({dates}). Choose another time for those, or another start or interval."
    )


def _planned_starts(
    *,
    service: Service,
    therapist: Therapist | None,
    first_start: dt.datetime,
    interval_weeks: int,
    sessions: int,
    staff: bool,
    replacements: Mapping[int, dt.datetime] | None,
    now: dt.datetime,
) -> list[dt.datetime]:
    """What a preview and a booking check first, and the sessions' starts: the series'
    shape, whether the service may be booked as one, the far-date bound, then the wall-clock
    dates with any alternatives swapped in."""
    _check_shape(interval_weeks=interval_weeks, sessions=sessions)
    _check_offer(service=service, therapist=therapist, staff=staff)
    _within_reach(_aware_utc(first_start), now)  # before any date arithmetic on it
    nominal = series_starts(
        first_start=first_start, interval_weeks=interval_weeks, sessions=sessions
    )
    return _aware_starts(nominal, replacements, now)


def series_preview(
    *,
    service: Service,
    therapist: Therapist | None,
    first_start: dt.datetime,
    interval_weeks: int,
    sessions: int,
    actor: AbstractBaseUser | None = None,
    replacements: Mapping[int, dt.datetime] | None = None,
    anchor: Appointment | None = None,
    now: dt.datetime | None = None,
) -> list[PlannedSession]:
    """The series' dates and whether each is free now, with alternatives for those that are
    not. Reads only (no locks): `series_book` decides again inside its transaction.
    With `anchor` (the client's own booking) session 1 is that booking."""
    now = now or timezone.now()
    staff = _is_staff(actor)
    starts = _planned_starts(
        service=service,
        therapist=therapist,
        first_start=anchor.start if anchor is not None else first_start,
        interval_weeks=interval_weeks,
        sessions=sessions,
        staff=staff,
        replacements=replacements,
        now=now,
    )
    first_rules, later_rules = _rules_for(starts, now=now, staff=staff)
    planned = []
    for number, start in enumerate(starts, 1):
        rules = first_rules if number == 1 else later_rules
        if anchor is not None and number == 1:
            planned.append(PlannedSession(number, start.astimezone(clinic_tz())))
            continue  # the client's own booking
        try:
            slot_find(service=service, therapist=therapist, start=start, now=now, rules=rules)
        except BookingError as error:
            refusal = _refusal(
                number,
                start,
                error,
                service=service,
                therapist=therapist,
                now=now,
                rules=rules,
                avoid=[s for s in starts if s != start],
            )
            planned.append(PlannedSession(number, refusal.start, refusal))
        else:
            planned.append(PlannedSession(number, start.astimezone(clinic_tz())))
    return planned


class _Refused(Exception):
    """Inside the transaction: some session failed, roll everything back."""

    def __init__(self, failures: list[tuple[int, dt.datetime, BookingError, Any]]):
        super().__init__("series refused")
        self.failures = failures


def series_book(
    *,
    client: Client,
    service: Service,
    therapist: Therapist | None,
    first_start: dt.datetime,
    interval_weeks: int,
    sessions: int,
    answers: Mapping[str, Any],
    actor: AbstractBaseUser | None = None,
    anchor: Appointment | None = None,
    replacements: Mapping[int, dt.datetime] | None = None,
    now: dt.datetime | None = None,
) -> SeriesResult:
    """Book the whole series for the client record `client`, or nothing (SeriesError with
    every refused date, its reason and alternatives).

    `anchor`: an existing booking of the client that becomes session 1 (the client's "book
    this as a series" from their confirmation or /account/); the other sessions follow it.
    `replacements`: session number -> another start (an alternative the preview offered).
    """
    now = now or timezone.now()
    staff = _is_staff(actor)
    starts = _planned_starts(
        service=service,
        therapist=therapist,
        first_start=anchor.start if anchor is not None else first_start,
        interval_weeks=interval_weeks,
        sessions=sessions,
        staff=staff,
        replacements=replacements,
        now=now,
    )
    if anchor is not None and starts[0] != anchor.start:
        raise SeriesError("The first session is the booking you have.", code=INVALID_REQUEST)
    # Dated answers are judged for the first session's day; later ones are later still.
    result = intake_screen(
        answers=answers, on=clinic_today(starts[0]), error=SeriesError, today=clinic_today(now)
    )
    awaiting_deposit = _deposit_required(service, actor)
    first_rules, later_rules = _rules_for(starts, now=now, staff=staff)
    to_book = list(enumerate(starts, 1))[1:] if anchor is not None else list(enumerate(starts, 1))

    try:
        with transaction.atomic(durable=True):
            _lock(service, [therapist])
            record = _lock_record(client)
            if anchor is not None:
                anchor = _lock_anchor(anchor, record=record, service=service, now=now)
            plan, booked, failures = _book_sessions(
                to_book,
                record=record,
                service=service,
                therapist=therapist,
                first_start=starts[0],
                interval_weeks=interval_weeks,
                sessions=sessions,
                answers=answers,
                result=result,
                awaiting_deposit=awaiting_deposit,
                session_rules=(first_rules, later_rules),
                actor=actor,
                staff=staff,
                now=now,
            )
            if failures:
                raise _Refused(failures)
            if anchor is not None:
                _join_anchor(anchor, plan, actor=actor, sessions=sessions)
    except _Refused as refused:
        raise _series_error(
            refused.failures,
            starts,
            service=service,
            therapist=therapist,
            now=now,
            sessions=sessions,
        ) from None
    return SeriesResult(plan=plan, bookings=booked, screening=result, anchor=anchor)


def _book_sessions(
    to_book: list[tuple[int, dt.datetime]],
    *,
    record: Client,
    service: Service,
    therapist: Therapist | None,
    first_start: dt.datetime,
    interval_weeks: int,
    sessions: int,
    answers: Mapping[str, Any],
    result: screening.Screening,
    awaiting_deposit: bool,
    session_rules: tuple,
    actor: AbstractBaseUser | None,
    staff: bool,
    now: dt.datetime,
):
    """Check and write each session under the series' locks: the plan (created with the
    first session that can be had), the bookings, and every (number, start, error, rules)
    that failed. After a first failure the rest are only checked, so the client hears of
    every date that does not work at once."""
    first_rules, later_rules = session_rules
    plan, booked, failures = None, [], []
    for number, start in to_book:
        rules = first_rules if number == 1 else later_rules
        try:
            room_id = slot_find(
                service=service, therapist=therapist, start=start, now=now, rules=rules
            )
        except BookingError as error:
            failures.append((number, start, error, rules))
            continue
        if failures:
            continue  # the series fails anyway: only find every date that fails
        if plan is None:
            plan = TreatmentPlan.objects.create(
                client=record,
                therapist=therapist,
                service=service,
                interval_weeks=interval_weeks,
                session_count=sessions,
                first_start=first_start,
                created_by=actor if staff else None,
            )
        try:
            booked.append(
                booking_write_locked(
                    service=service,
                    therapist=therapist,
                    room_id=room_id,
                    start=start,
                    client=record,
                    answers=answers,
                    result=result,
                    awaiting_deposit=awaiting_deposit,
                    actor=actor,
                    now=now,
                    treatment_plan=plan,
                    history={"series": plan.pk, "session": number, "of": sessions},
                    clearance_record=clearances.record_for_booking(record, record.email),
                )
            )
        except BookingError as error:  # the exclusion constraint: taken meanwhile
            failures.append((number, start, error, rules))
    return plan, booked, failures


def _join_anchor(anchor: Appointment, plan: TreatmentPlan, *, actor, sessions: int) -> None:
    """The booking the client already had becomes session 1 of the new plan."""
    anchor.treatment_plan = plan
    anchor.save(update_fields=["treatment_plan", "updated_at"])
    _record(anchor, AppointmentEvent.Kind.SERIES, actor, series=plan.pk, session=1, of=sessions)


def _series_error(
    failures, starts: list[dt.datetime], *, service, therapist, now: dt.datetime, sessions: int
) -> SeriesError:
    """One SeriesError naming every refused date with its reason and alternatives."""
    refusals = [
        _refusal(
            number,
            start,
            error,
            service=service,
            therapist=therapist,
            now=now,
            rules=rules,
            avoid=[s for s in starts if s != start],
        )
        for number, start, error, rules in failures
    ]
    return SeriesError(
        _plan_message(refusals, sessions),
        code=TAKEN if all(r.code == TAKEN for r in refusals) else SOME_DATES_REFUSED,
        refusals=refusals,
    )


def _lock_record(client: Client) -> Client:
    """The client record, locked, so it cannot be merged away while the series is written."""
    record = Client.objects.select_for_update().filter(pk=client.pk).first()
    if record is None or record.merged_into_id is not None:
        raise SeriesError(
            "This client record was merged into another; book on that one.",
            code=INVALID_REQUEST,
        )
    return record


def repeat_refusal(*, appointment: Appointment, record: Client | None, now: dt.datetime) -> str:
    """Why the signed-in client `record` may not repeat `appointment` as a series ("" when
    they may): the pages offer "Book this as a series" only when this is empty, and
    `series_book` checks the same again under its locks."""
    if record is None or appointment.client_id != record.pk:
        return "This booking is not yours to repeat."
    if not appointment.service.allows_series:
        return "This service cannot be booked as a series online. Please call the clinic."
    if appointment.treatment_plan_id is not None:
        return "This booking is already part of a series."
    if not appointment.is_changeable or appointment.start <= now:
        return "Only a booked session that is still to come can start a series."
    return ""


def _lock_anchor(
    anchor: Appointment, *, record: Client, service: Service, now: dt.datetime
) -> Appointment:
    anchor = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=anchor.pk)
    )
    if anchor.service_id != service.pk:
        raise SeriesError("This booking is not yours to repeat.", code=INVALID_REQUEST)
    if refusal := repeat_refusal(appointment=anchor, record=record, now=now):
        if anchor.client_id == record.pk and not anchor.service.allows_series:
            refusal = ""  # staff may repeat any service; _check_offer decided for clients
        if refusal:
            raise SeriesError(refusal, code=NOT_CHANGEABLE)
    return anchor


def series_cancel(
    *,
    plan: TreatmentPlan,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> SeriesCancelResult:
    """Cancel the plan: every session still to come is cancelled through the one
    cancellation service (e-mails, refunds, slot_freed), in one transaction; past sessions
    stay as they are. A session the actor may not cancel any more (a client inside the
    cut-off) is kept and reported, with the reason, so the client can call the clinic."""
    now = now or timezone.now()
    outcome = SeriesCancelResult(plan=plan)
    with transaction.atomic(durable=True):
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.cancelled_at is not None:
            raise SeriesError("This series is already cancelled.", code=NOT_CHANGEABLE)
        outcome.plan = plan
        upcoming = plan.appointments.filter(start__gt=now).exclude(
            status=AppointmentStatus.CANCELLED
        )
        for appointment in upcoming.order_by("start", "pk"):
            try:
                outcome.cancelled.append(
                    booking_cancel_locked(
                        appointment=appointment,
                        actor=actor,
                        reason=reason or "The treatment plan was cancelled",
                        now=now,
                        history={"series": plan.pk},
                    )
                )
            except BookingError as error:
                outcome.kept.append((appointment, error.message))
        plan.cancelled_at = now
        plan.cancelled_by = actor if _is_staff(actor) else None
        plan.save(update_fields=["cancelled_at", "cancelled_by"])
    return outcome
