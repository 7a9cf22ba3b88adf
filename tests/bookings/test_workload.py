"""The weekly load budget (issue 17): the rule in `bookings.workload` and
`bookings.availability`, then the loader and the booking services that enforce it.

Pure cases first (plain schedules, no database), then the same rule end to end: the loader
counts the whole ISO week even for a one-day window, in the same number of queries, and
`booking_create` / `booking_reschedule` refuse a session that would pass the budget with the
same answer as the daily cap ("taken": the time works, the therapist's week is full).
"""

import dataclasses
import datetime as dt
from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from bookings import availability as av
from bookings import workload
from bookings.availability import ServiceSpec, check_slot, free_slots
from bookings.booking_changes import booking_reschedule
from bookings.schedules import clinic_rules, load_window, service_spec
from bookings.services import TAKEN, BookingError, ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic
from tests.bookings.test_availability import BAR, MONDAY, RULES, at, therapist
from tests.factories import AppointmentFactory, TherapistFactory

HOUR_BAR = ServiceSpec(
    style="bar",
    required_credential="bar_certification",
    duration=timedelta(hours=1),
    load=workload.session_load(60, "bar"),
)
NOW = at(MONDAY - timedelta(days=7), 8)


def budgeted(load_per_week, budget_minutes, **fields):
    """A nine-to-five therapist with this week's load and a budget of `budget_minutes`."""
    return dataclasses.replace(
        therapist(**fields),
        load_per_week=load_per_week,
        weekly_budget=workload.budget_load(budget_minutes),
    )


# --- the rule itself ----------------------------------------------------------------------


def test_a_session_load_is_minutes_times_the_style_weight_in_centi_minutes(settings):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 150, "floor": 100}

    assert workload.session_load(60, "bar") == 9000
    assert workload.session_load(60, "floor") == 6000
    assert workload.session_load(45, "unknown-style") == 4500  # no weight set: 100 %
    assert workload.as_minutes(workload.session_load(45, "bar")) == 68  # 67.5 rounds up
    assert workload.budget_load(1200) == 120000


def test_the_budget_week_is_the_iso_week_monday_to_sunday():
    assert workload.iso_monday(date(2026, 6, 7)) == date(2026, 6, 1)  # Sunday
    assert workload.iso_monday(date(2026, 6, 1)) == date(2026, 6, 1)
    assert workload.iso_monday(date(2026, 6, 8)) == date(2026, 6, 8)


def test_a_session_that_exactly_fills_the_budget_is_offered_one_more_minute_is_not():
    full_but_one_hour = {MONDAY: workload.budget_load(240) - HOUR_BAR.load}
    fits = budgeted(full_but_one_hour, 240)
    over = budgeted({MONDAY: workload.budget_load(240) - HOUR_BAR.load + 1}, 240)

    def offered(schedule):
        return free_slots(
            service=HOUR_BAR,
            therapists=[schedule],
            rooms=[av.RoomSchedule(id=1, styles=frozenset({"bar"}), busy=[])],
            closed_days=set(),
            first_day=MONDAY,
            days=7,
            now=NOW,
            rules=RULES,
        )

    assert offered(fits)
    assert offered(over) == []


def test_a_full_week_blocks_every_day_of_that_week_and_no_day_of_the_next():
    full = budgeted({MONDAY: workload.budget_load(240)}, 240)
    slots = free_slots(
        service=HOUR_BAR,
        therapists=[full],
        rooms=[av.RoomSchedule(id=1, styles=frozenset({"bar"}), busy=[])],
        closed_days=set(),
        first_day=MONDAY,
        days=14,
        now=NOW,
        rules=RULES,
    )

    days = {s.start.astimezone(RULES.tz).date() for s in slots}
    assert days == {MONDAY + timedelta(days=7 + i) for i in range(7)}


def test_the_any_therapist_listing_skips_a_week_over_budget_like_the_full_listing():
    """Found merging #12 and #17: `free_slots_any` (the fast "any" listing) must apply the
    budget too, or it offers times that `booking_create` then refuses."""
    full = budgeted({MONDAY: workload.budget_load(240)}, 240, id=1, slug="a-full")
    free = budgeted({}, 240, id=2, slug="b-free")
    world = {
        "service": HOUR_BAR,
        "therapists": [full, free],
        "rooms": [av.RoomSchedule(id=1, styles=frozenset({"bar"}), busy=[])],
        "closed_days": set(),
        "first_day": MONDAY,
        "days": 7,
        "now": NOW,
        "rules": RULES,
    }

    slots = av.free_slots_any(**world)

    assert slots and {s.therapist_id for s in slots} == {2}
    assert slots == av.pick_for_any(
        free_slots(**world),
        sessions_per_day={t.id: t.sessions_per_day for t in world["therapists"]},
        tz=RULES.tz,
    )


def test_check_slot_names_the_weekly_budget_after_the_daily_cap():
    full = budgeted({MONDAY: workload.budget_load(60)}, 60)
    rooms = [av.RoomSchedule(id=1, styles=frozenset({"bar"}), busy=[])]
    request = {"service": HOUR_BAR, "rooms": rooms, "closed_days": set(), "now": NOW}

    assert check_slot(
        therapist=full, start=at(MONDAY + timedelta(days=3), 10), rules=RULES, **request
    ) == (
        av.WEEKLY_BUDGET,
        None,
    )
    assert check_slot(
        therapist=full, start=at(MONDAY + timedelta(days=7), 10), rules=RULES, **request
    ) == (
        None,
        1,
    )


def test_a_schedule_without_a_budget_and_a_service_without_load_are_never_refused_for_it():
    """The engine's defaults keep callers that know nothing of budgets working."""
    assert not av.over_weekly_budget(therapist(), HOUR_BAR, MONDAY)
    assert not av.over_weekly_budget(budgeted({MONDAY: 0}, 60), BAR, MONDAY)


# --- the loader and the services (PostgreSQL) --------------------------------------------


def _next_monday() -> dt.date:
    from django.utils import timezone

    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday() + 7)  # a Monday 8-14 days ahead


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, time(hour), clinic_rules().tz)


def _book(clinic, start, *, therapist=None, service=None, n=0):
    return booking_create(
        service=service or clinic.bar_60,
        therapist=therapist or clinic.therapists[0],
        start=start,
        client=ClientDetails(
            name=f"Client {n}", email=f"c{n}@example.com", phone="+1 212 555 0100"
        ),
        answers=clear_answers(),
    )


@pytest.mark.django_db
def test_the_loader_counts_the_whole_iso_week_for_a_one_day_window(settings):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 150, "floor": 100}
    clinic = build_clinic(therapists=1)
    ana = clinic.therapists[0]
    monday = _next_monday()
    AppointmentFactory(
        therapist=ana, service=clinic.bar_60, room=clinic.bar_rooms[0], start=_local(monday, 9)
    )
    AppointmentFactory(
        therapist=ana,
        service=clinic.floor_60,
        room=clinic.mat_room,
        start=_local(monday + timedelta(days=6), 9),
    )  # Sunday
    AppointmentFactory(
        therapist=ana,
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=_local(monday + timedelta(days=7), 9),
    )  # next week
    AppointmentFactory(
        therapist=ana,
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=_local(monday + timedelta(days=2), 9),
        status="cancelled",
    )

    window = load_window(
        first_day=monday + timedelta(days=3), days=1, therapists=[ana], tz=clinic_rules().tz
    )

    (schedule,) = window.therapists
    assert schedule.load_per_week[monday] == 60 * 150 + 60 * 100
    assert monday + timedelta(days=7) not in schedule.load_per_week  # outside the window's week
    assert schedule.weekly_budget == 1200 * 100


@pytest.mark.django_db
def test_booking_refuses_a_session_that_would_pass_the_weekly_budget(settings):
    clinic = build_clinic(therapists=1)
    ana = clinic.therapists[0]
    ana.weekly_load_minutes = 120
    ana.save()
    monday = _next_monday()
    _book(clinic, _local(monday, 9), n=1)
    _book(clinic, _local(monday + timedelta(days=1), 9), n=2)  # exactly fills 120 minutes

    with pytest.raises(BookingError) as refused:
        _book(clinic, _local(monday + timedelta(days=4), 9), n=3)

    assert refused.value.code == TAKEN
    assert refused.value.message == av.REASON_MESSAGES[av.WEEKLY_BUDGET]
    assert ana.appointments.count() == 2
    # The next ISO week is a fresh budget.
    assert _book(clinic, _local(monday + timedelta(days=7), 9), n=4).appointment.pk


@pytest.mark.django_db
def test_booking_any_therapist_goes_to_one_whose_week_has_room(settings):
    clinic = build_clinic(therapists=2)
    full, free = clinic.therapists
    full.weekly_load_minutes = 60
    full.save()
    monday = _next_monday()
    _book(clinic, _local(monday, 9), therapist=full, n=1)

    booked = booking_create(
        service=clinic.bar_60,
        therapist=None,
        start=_local(monday + timedelta(days=2), 11),
        client=ClientDetails(name="Any", email="any@example.com", phone="+1 212 555 0100"),
        answers=clear_answers(),
    )

    assert booked.appointment.therapist == free


@pytest.mark.django_db
def test_style_weights_make_bar_work_count_more(settings):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 200, "floor": 100}
    clinic = build_clinic(therapists=1)
    ana = clinic.therapists[0]
    ana.weekly_load_minutes = 180
    ana.save()
    monday = _next_monday()
    _book(clinic, _local(monday, 9), n=1)  # 60 bar minutes count 120

    with pytest.raises(BookingError):
        _book(clinic, _local(monday + timedelta(days=1), 9), n=2)  # 120 + 120 > 180
    assert _book(clinic, _local(monday + timedelta(days=1), 9), service=clinic.floor_60, n=3)


@pytest.mark.django_db
def test_moving_a_session_within_its_week_does_not_count_it_twice():
    clinic = build_clinic(therapists=1)
    ana = clinic.therapists[0]
    ana.weekly_load_minutes = 60
    ana.save()
    monday = _next_monday()
    booked = _book(clinic, _local(monday, 9), n=1).appointment

    moved = booking_reschedule(appointment=booked, start=_local(monday + timedelta(days=3), 10))

    assert moved.start == _local(monday + timedelta(days=3), 10)


@pytest.mark.django_db
def test_the_database_refuses_an_impossible_budget():
    with pytest.raises(IntegrityError), transaction.atomic():
        TherapistFactory(weekly_load_minutes=0)


@pytest.mark.django_db
def test_service_spec_carries_the_weighted_load(settings):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 125}
    clinic = build_clinic(therapists=1)

    assert service_spec(clinic.bar_60).load == 60 * 125
