"""Property tests of the weekly load budget over the generated clinics of
`test_availability_properties` (random zones, DST days, hours, bookings, caps), each therapist
given a random week load and budget. The oracle is independent: it sums loads by the ISO
week of the slot's local date itself.
"""

import dataclasses
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings import availability as av
from bookings.availability import Interval, check_slot, free_slots
from tests.bookings.test_availability_properties import clinic, reference_slots

CENTI = 100


@st.composite
def budgeted_clinic(draw) -> dict:
    world = draw(clinic())
    first = world["first_day"]
    mondays = {
        first + timedelta(days=i) - timedelta(days=(first + timedelta(days=i)).weekday())
        for i in range(world["days"])
    }
    minutes = world["service"].duration // timedelta(minutes=1)
    weight = draw(st.sampled_from([100, 125, 150]))
    service = dataclasses.replace(world["service"], load=minutes * weight)
    therapists = []
    for therapist in world["therapists"]:
        budget = draw(st.sampled_from([None, 60, 120, 240, 600]))
        loads = {
            monday: CENTI * draw(st.integers(0, 660)) for monday in mondays if draw(st.booleans())
        }
        therapists.append(
            dataclasses.replace(
                therapist,
                load_per_week=loads,
                weekly_budget=None if budget is None else budget * CENTI,
            )
        )
    return world | {"service": service, "therapists": therapists}


def week_of(moment: datetime, tz):
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def fits(therapist, service, monday) -> bool:
    if therapist.weekly_budget is None:
        return True
    return therapist.load_per_week.get(monday, 0) + service.load <= therapist.weekly_budget


@settings(max_examples=150, deadline=None)
@given(budgeted_clinic())
def test_no_offered_slot_takes_a_therapist_past_the_weekly_budget(world):
    tz, service = world["rules"].tz, world["service"]
    therapists = {t.id: t for t in world["therapists"]}

    for slot in free_slots(**world):
        assert fits(therapists[slot.therapist_id], service, week_of(slot.start, tz))


@settings(max_examples=100, deadline=None)
@given(budgeted_clinic())
def test_free_slots_offers_exactly_the_brute_force_slots_whose_week_has_room(world):
    tz, service = world["rules"].tz, world["service"]
    therapists = {t.id: t for t in world["therapists"]}
    expected = {
        key: room
        for key, room in reference_slots(world).items()
        if fits(therapists[key[1]], service, week_of(key[0], tz))
    }

    assert {(s.start, s.therapist_id): s.room_id for s in free_slots(**world)} == expected


@settings(max_examples=60, deadline=None)
@given(budgeted_clinic())
def test_check_slot_agrees_with_free_slots_and_names_the_budget(world):
    tz, service = world["rules"].tz, world["service"]
    offered = {(s.start, s.therapist_id) for s in free_slots(**world)}
    first = datetime.combine(world["first_day"], time(), tz).astimezone(UTC)
    last = datetime.combine(world["first_day"] + timedelta(days=world["days"]), time(), tz)
    quarter = timedelta(minutes=15)
    for therapist in world["therapists"]:
        for k in range((last - first) // quarter):
            start = first + quarter * k
            reason, _ = check_slot(
                service=service,
                therapist=therapist,
                rooms=world["rooms"],
                closed_days=world["closed_days"],
                start=start,
                now=world["now"],
                rules=world["rules"],
            )
            assert (reason is None) == ((start, therapist.id) in offered)
            if reason == av.WEEKLY_BUDGET:
                assert not fits(therapist, service, week_of(start, tz))


@settings(max_examples=100, deadline=None)
@given(budgeted_clinic(), st.randoms(use_true_random=False))
def test_booking_offered_slots_one_by_one_never_passes_the_budget(world, random):
    """Book offered slots in random order, updating loads as the loader would: every week of
    every therapist ends within budget, and refusals are only ever "taken" reasons."""
    tz, service = world["rules"].tz, world["service"]
    found = free_slots(**world)
    random.shuffle(found)
    therapists = {t.id: t for t in world["therapists"]}
    rooms = {r.id: r for r in world["rooms"]}

    for slot in found[:40]:
        therapist = therapists[slot.therapist_id]
        reason, room_id = check_slot(
            service=service,
            therapist=therapist,
            rooms=list(rooms.values()),
            closed_days=world["closed_days"],
            start=slot.start,
            now=world["now"],
            rules=world["rules"],
        )
        if reason is not None:
            assert reason in {av.THERAPIST_BUSY, av.NO_ROOM, av.DAILY_CAP, av.WEEKLY_BUDGET}
            continue
        occupied = Interval(slot.start, slot.start + service.duration + therapist.buffer)
        day, monday = slot.start.astimezone(tz).date(), week_of(slot.start, tz)
        therapists[therapist.id] = dataclasses.replace(
            therapist,
            busy=[*therapist.busy, occupied],
            sessions_per_day=Counter(therapist.sessions_per_day) + Counter({day: 1}),
            load_per_week={
                **therapist.load_per_week,
                monday: therapist.load_per_week.get(monday, 0) + service.load,
            },
        )
        rooms[room_id] = dataclasses.replace(rooms[room_id], busy=[*rooms[room_id].busy, occupied])

    for before in world["therapists"]:
        after = therapists[before.id]
        if before.weekly_budget is None:
            continue
        for monday, load in after.load_per_week.items():
            if load != before.load_per_week.get(monday, 0):  # a week we booked into
                assert load <= before.weekly_budget
