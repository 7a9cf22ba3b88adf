"""Concurrent bookings in real threads with real connections leave exactly the right winners.

SPEC "No double booking, ever": the booking services lock the rooms of the style and the
candidate therapists (PostgreSQL) or run in IMMEDIATE write transactions (SQLite), and re-check
the slot inside the transaction. Each test releases many threads at once through a barrier;
every thread has its own database connection, as concurrent web requests would. A loser must
get `BookingError(code="taken")`, never another exception.

The daily-cap race guards the lock itself: exclusion constraints cannot count sessions, so on
PostgreSQL only the lock keeps a therapist under the cap when bookings for different times race.
"""

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookings.booking_changes import booking_reschedule
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, Room, Service, Style
from bookings.services import TAKEN, BookingError, ClientDetails, booking_create
from health import screening
from tests.factories import (
    AppointmentFactory,
    CredentialFactory,
    RoomFactory,
    ServiceFactory,
    StyleFactory,
    TherapistFactory,
    WorkingHoursFactory,
)
from therapists.models import CredentialKind, Therapist

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

THREADS = 20
RACE_TIMEOUT = 60  # seconds for a whole race; a hung lock fails the test instead of hanging it
BARRIER_TIMEOUT = 30
MONDAY = 0


def _clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def _race_day() -> dt.date:
    """The first Monday at least two days ahead: outside the 2 h notice and the 24 h client
    cut-off, inside the 60-day horizon."""
    day = timezone.now().astimezone(_clinic_tz()).date() + dt.timedelta(days=2)
    while day.weekday() != MONDAY:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), _clinic_tz())


def _bar_service() -> Service:
    return ServiceFactory(style=StyleFactory(slug=Style.BAR), duration_minutes=60)


def _bar_rooms(count: int) -> list[Room]:
    return [RoomFactory(styles=[StyleFactory(slug=Style.BAR)]) for _ in range(count)]


def _bar_therapist(**fields: Any) -> Therapist:
    """A therapist who may give bar sessions: verified bar certificate and massage licence,
    working 09:00-17:00 on Mondays."""
    therapist = TherapistFactory(**fields)
    CredentialFactory(therapist=therapist, kind=CredentialKind.BAR_CERTIFICATION)
    CredentialFactory(therapist=therapist, kind=CredentialKind.MASSAGE_LICENCE)
    WorkingHoursFactory(therapist=therapist, weekday=MONDAY, start=dt.time(9), end=dt.time(17))
    return therapist


def _client(index: int) -> ClientDetails:
    return ClientDetails(
        name=f"Racer {index}", email=f"racer{index}@example.com", phone="+1 212 555 0199"
    )


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None

    @property
    def won(self) -> bool:
        return self.error is None

    @property
    def taken(self) -> bool:
        return isinstance(self.error, BookingError) and self.error.code == TAKEN


def _race(task: Callable[[int], Any], count: int = THREADS) -> list[Outcome]:
    """Run task(0) .. task(count - 1) in `count` threads released together by a barrier.

    Each thread opens its own connection before the barrier (so the race is about the
    booking, not about connecting) and closes it at the end.
    """
    barrier = threading.Barrier(count)

    def run(index: int) -> Outcome:
        try:
            connection.ensure_connection()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # A lock that is never released fails the race instead of hanging it.
                    cursor.execute("SET lock_timeout = '30s'")
            barrier.wait(timeout=BARRIER_TIMEOUT)
            return Outcome(result=task(index))
        except Exception as error:  # every outcome is asserted on by the test
            return Outcome(error=error)
        finally:
            connection.close()

    pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="race")
    try:
        futures = [pool.submit(run, index) for index in range(count)]
        done, not_done = wait(futures, timeout=RACE_TIMEOUT)
        assert not not_done, (
            f"{len(not_done)} of {count} threads still running after {RACE_TIMEOUT} s"
        )
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _assert_only_winners_and_taken(outcomes: list[Outcome]) -> None:
    """Every thread either booked or was told "taken": no IntegrityError, no lock error."""
    unexpected = [
        repr(o.error)
        if not isinstance(o.error, BookingError)
        else f"BookingError(code={o.error.code!r})"
        for o in outcomes
        if not o.won and not o.taken
    ]
    assert unexpected == []


def _assert_no_overlaps() -> None:
    """No therapist and no room holds two active appointments whose occupied intervals meet."""
    active = list(Appointment.objects.active().order_by("pk"))
    clashes = [
        (a.pk, b.pk, key)
        for i, a in enumerate(active)
        for b in active[i + 1 :]
        for key in ("therapist_id", "room_id")
        if getattr(a, key) == getattr(b, key)
        and a.start < b.occupied_until
        and b.start < a.occupied_until
    ]
    assert clashes == []


def test_concurrent_bookings_of_one_therapist_and_start_leave_exactly_one_winner():
    service = _bar_service()
    _bar_rooms(3)
    therapist = _bar_therapist()
    start = _at(_race_day(), 10)

    outcomes = _race(
        lambda index: booking_create(
            service=service,
            therapist=therapist,
            start=start,
            client=_client(index),
            answers=screening.clear_answers(),
        )
    )

    _assert_only_winners_and_taken(outcomes)
    winners = [o.result for o in outcomes if o.won]
    assert len(winners) == 1
    assert sum(o.taken for o in outcomes) == THREADS - 1
    booked = list(Appointment.objects.active())
    assert [a.pk for a in booked] == [winners[0].appointment.pk]
    assert booked[0].therapist_id == therapist.pk
    assert booked[0].start == start
    assert booked[0].status == AppointmentStatus.CONFIRMED
    # Losers wrote nothing: one appointment, one history line.
    assert Appointment.objects.count() == 1
    assert AppointmentEvent.objects.count() == 1
    _assert_no_overlaps()


@pytest.mark.parametrize(
    ("qualified_therapists", "bar_rooms"), [(3, 2), (2, 3)], ids=["room-bound", "therapist-bound"]
)
def test_concurrent_any_therapist_bookings_fill_every_free_pair_and_no_more(
    qualified_therapists, bar_rooms
):
    service = _bar_service()
    rooms = _bar_rooms(bar_rooms)
    RoomFactory(styles=[StyleFactory(slug=Style.FLOOR)])  # a mat room cannot host bar therapy
    qualified = [_bar_therapist() for _ in range(qualified_therapists)]
    # Works on Mondays with a bar certificate but no massage licence: never a candidate.
    unlicensed = TherapistFactory()
    CredentialFactory(therapist=unlicensed, kind=CredentialKind.BAR_CERTIFICATION)
    WorkingHoursFactory(therapist=unlicensed, weekday=MONDAY, start=dt.time(9), end=dt.time(17))
    start = _at(_race_day(), 10)

    outcomes = _race(
        lambda index: booking_create(
            service=service,
            therapist=None,
            start=start,
            client=_client(index),
            answers=screening.clear_answers(),
        )
    )

    _assert_only_winners_and_taken(outcomes)
    capacity = min(qualified_therapists, bar_rooms)
    winners = [o.result.appointment for o in outcomes if o.won]
    assert len(winners) == capacity
    assert sum(o.taken for o in outcomes) == THREADS - capacity
    booked = list(Appointment.objects.active())
    assert sorted(a.pk for a in booked) == sorted(a.pk for a in winners)
    assert {a.start for a in booked} == {start}
    assert len({a.therapist_id for a in booked}) == capacity
    assert {a.therapist_id for a in booked} <= {t.pk for t in qualified}
    assert len({a.room_id for a in booked}) == capacity
    assert {a.room_id for a in booked} <= {r.pk for r in rooms}
    _assert_no_overlaps()


def test_concurrent_bookings_at_different_times_never_exceed_the_daily_cap():
    """Exclusion constraints cannot count sessions: only the therapist lock (PostgreSQL) or the
    serialised write (SQLite) keeps racing bookings for *different* times under the cap."""
    service = _bar_service()
    _bar_rooms(1)
    therapist = _bar_therapist(daily_session_cap=2)
    day = _race_day()
    # Six non-overlapping starts (60 min session + 15 min buffer) inside 09:00-17:00.
    starts = [_at(day, 9) + dt.timedelta(minutes=75 * n) for n in range(6)]

    outcomes = _race(
        lambda index: booking_create(
            service=service,
            therapist=therapist,
            start=starts[index % len(starts)],
            client=_client(index),
            answers=screening.clear_answers(),
        )
    )

    _assert_only_winners_and_taken(outcomes)
    assert sum(o.won for o in outcomes) == 2
    assert sum(o.taken for o in outcomes) == THREADS - 2
    booked = list(Appointment.objects.active())
    assert len(booked) == 2
    assert {a.therapist_id for a in booked} == {therapist.pk}
    assert len({a.start for a in booked}) == 2
    _assert_no_overlaps()


@pytest.mark.parametrize("shared", ["therapist", "room"])
def test_concurrent_reschedules_onto_one_free_slot_leave_one_winner_and_the_loser_unmoved(shared):
    """Two bookings race to move onto the same 10:00 slot. With `shared="therapist"` both are
    with the same therapist; with `shared="room"` they are with different therapists but the
    clinic has a single bar room."""
    service = _bar_service()
    day = _race_day()
    if shared == "therapist":
        rooms = _bar_rooms(2)
        therapist = _bar_therapist()
        therapists = [therapist, therapist]
    else:
        rooms = _bar_rooms(1) * 2
        therapists = [_bar_therapist(), _bar_therapist()]
    old_starts = [_at(day, 12), _at(day, 14)]
    appointments = [
        AppointmentFactory(service=service, therapist=t, room=r, start=s)
        for t, r, s in zip(therapists, rooms, old_starts, strict=True)
    ]
    before = {
        a.pk: (a.therapist_id, a.room_id, a.start, a.end, a.occupied_until) for a in appointments
    }
    target = _at(day, 10)

    outcomes = _race(
        lambda index: booking_reschedule(appointment=appointments[index], start=target), count=2
    )

    _assert_only_winners_and_taken(outcomes)
    assert sorted(o.won for o in outcomes) == [False, True]
    assert sum(o.taken for o in outcomes) == 1
    winner = next(a for a, o in zip(appointments, outcomes, strict=True) if o.won)
    loser = next(a for a, o in zip(appointments, outcomes, strict=True) if o.taken)
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert winner.start == target
    assert winner.occupied_until == target + dt.timedelta(minutes=75)
    assert (
        loser.therapist_id,
        loser.room_id,
        loser.start,
        loser.end,
        loser.occupied_until,
    ) == before[loser.pk]
    assert loser.status == AppointmentStatus.CONFIRMED
    assert list(AppointmentEvent.objects.values_list("appointment_id", "kind")) == [
        (winner.pk, AppointmentEvent.Kind.RESCHEDULED)
    ]
    _assert_no_overlaps()


def test_a_reschedule_racing_new_bookings_of_the_same_therapist_never_deadlocks():
    """Every service takes its locks in one order (the appointment, then rooms, then
    therapists), so a reschedule and new bookings of the same therapist wait for each other
    instead of deadlocking."""
    service = _bar_service()
    rooms = _bar_rooms(2)
    therapist = _bar_therapist()
    day = _race_day()
    moving = AppointmentFactory(
        service=service, therapist=therapist, room=rooms[0], start=_at(day, 14)
    )
    new_starts = [_at(day, 9), _at(day, 10, 15), _at(day, 11, 30)]

    def task(index: int):
        if index == 0:
            return booking_reschedule(appointment=moving, start=_at(day, 15, 30))
        return booking_create(
            service=service,
            therapist=therapist,
            start=new_starts[index % len(new_starts)],
            client=_client(index),
            answers=screening.clear_answers(),
        )

    outcomes = _race(task, count=6)

    _assert_only_winners_and_taken(outcomes)
    assert outcomes[0].won
    assert sum(o.won for o in outcomes[1:]) == len(new_starts)
    moving.refresh_from_db()
    assert moving.start == _at(day, 15, 30)
    assert sorted(a.start for a in Appointment.objects.active()) == [
        *new_starts,
        _at(day, 15, 30),
    ]
    _assert_no_overlaps()


# --- Negative controls: without the row locks the races above must go wrong ---------------
#
# Four of the races above stay green with the locks off, because PostgreSQL's exclusion
# constraints refuse the overlapping insert anyway. These two are the ones only the locks
# decide, so with the locks off (a test-only setting read by `services._lock`) they must
# produce the bad outcome. A race is a race: each attempt uses a fresh therapist or day, and
# a few attempts are allowed before the control itself fails.

NEGATIVE_CONTROL_ATTEMPTS = 5


def _locks_off_until_broken(settings, race: Callable[[int], bool]) -> int:
    """Run race(attempt) with the row locks off until it reports the bad outcome; the number
    of attempts it took. Fails when every attempt came out right: the test did not need the
    locks, so it does not test them."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; there is no lock to turn off")
    settings.BOOKING_ROW_LOCKS = False
    for attempt in range(NEGATIVE_CONTROL_ATTEMPTS):
        if race(attempt):
            return attempt + 1
    pytest.fail(f"{NEGATIVE_CONTROL_ATTEMPTS} races without locks all came out right")


def test_without_the_locks_racing_bookings_break_the_daily_cap(settings):
    service = _bar_service()
    _bar_rooms(1)
    day = _race_day()
    starts = [_at(day, 9) + dt.timedelta(minutes=75 * n) for n in range(6)]

    def race(attempt: int) -> bool:
        therapist = _bar_therapist(daily_session_cap=2)
        _race(
            lambda index: booking_create(
                service=service,
                therapist=therapist,
                start=starts[index % len(starts)],
                client=_client(index),
                answers=screening.clear_answers(),
            )
        )
        return Appointment.objects.active().filter(therapist=therapist).count() > 2

    assert _locks_off_until_broken(settings, race) >= 1


def test_without_the_locks_any_therapist_bookings_leave_free_pairs_unbooked(settings):
    """Room-bound (3 therapists, 2 rooms): unlocked, racers pick the same least busy
    therapist and the same first room, the constraints turn all but one away as "taken",
    and a free therapist-and-room pair stays unbooked."""
    service = _bar_service()
    _bar_rooms(2)
    for _ in range(3):
        _bar_therapist()
    capacity = 2

    def race(attempt: int) -> bool:
        start = _at(_race_day() + dt.timedelta(days=7 * attempt), 10)
        _race(
            lambda index: booking_create(
                service=service,
                therapist=None,
                start=start,
                client=_client(index),
                answers=screening.clear_answers(),
            )
        )
        return Appointment.objects.active().filter(start=start).count() != capacity

    assert _locks_off_until_broken(settings, race) >= 1


def test_concurrent_bookings_on_different_days_never_exceed_the_weekly_load_budget():
    """Issue 17: like the daily cap, the weekly load budget counts sessions across times (and
    here across days), which no constraint can; the therapist lock must keep racing bookings
    for different days of one ISO week within the budget."""
    service = _bar_service()
    _bar_rooms(1)
    therapist = _bar_therapist(daily_session_cap=12, weekly_load_minutes=180)
    monday = _race_day()
    WorkingHoursFactory(therapist=therapist, weekday=MONDAY + 1, start=dt.time(9), end=dt.time(17))
    # Six non-overlapping starts on Monday and six on Tuesday: 12 free times, room for 3.
    starts = [
        _at(monday + dt.timedelta(days=d), 9) + dt.timedelta(minutes=75 * n)
        for d in (0, 1)
        for n in range(6)
    ]

    outcomes = _race(
        lambda index: booking_create(
            service=service,
            therapist=therapist,
            start=starts[index],
            client=_client(index),
            answers=screening.clear_answers(),
        ),
        count=len(starts),
    )

    _assert_only_winners_and_taken(outcomes)
    assert sum(o.won for o in outcomes) == 3
    booked = list(Appointment.objects.active())
    assert len(booked) == 3
    assert sum(a.service.duration_minutes for a in booked) == 180
    _assert_no_overlaps()
