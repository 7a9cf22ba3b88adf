"""Unit tests for the pure slot computation, one group per scheduling rule.

No database: schedules are plain values. The clinic zone is America/New_York throughout;
2026-06-01 is an ordinary Monday, 2026-03-08 and 2026-11-01 are the DST change days.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings import availability as av
from bookings.availability import (
    CredentialSpan,
    Interval,
    RoomSchedule,
    Rules,
    ServiceSpec,
    Slot,
    TherapistSchedule,
    check_slot,
    free_slots,
    pick_for_any,
    qualifies,
)

TZ = ZoneInfo("America/New_York")
RULES = Rules(tz=TZ)
MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST
BAR = ServiceSpec(style="bar", required_credential="bar_certification", duration=timedelta(hours=1))
FLOOR = ServiceSpec(
    style="floor", required_credential="floor_certification", duration=timedelta(hours=1)
)
NINE_TO_FIVE = {weekday: [(time(9), time(17))] for weekday in range(7)}
LONG_AGO = date(2020, 1, 1)


def at(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    """A local clinic time; fold=1 picks the second occurrence of a repeated wall time."""
    return datetime.combine(day, time(hour, minute), TZ).replace(fold=fold)


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start=start, end=end)


def licence(kind: str = "massage_licence", valid_from=LONG_AGO, valid_until=None):
    return CredentialSpan(kind=kind, valid_from=valid_from, valid_until=valid_until)


FULLY_QUALIFIED = (
    licence(),
    licence("bar_certification"),
    licence("floor_certification"),
)


def therapist(
    id: int = 1,
    slug: str = "ana",
    *,
    hours=NINE_TO_FIVE,
    time_off=(),
    busy=(),
    sessions=None,
    credentials=FULLY_QUALIFIED,
    cap: int = 6,
    buffer: timedelta = timedelta(minutes=15),
) -> TherapistSchedule:
    return TherapistSchedule(
        id=id,
        slug=slug,
        weekly_hours=hours,
        time_off=list(time_off),
        busy=list(busy),
        sessions_per_day=sessions or {},
        credentials=list(credentials),
        daily_cap=cap,
        buffer=buffer,
    )


def room(id: int = 1, styles=("bar", "floor"), busy=()) -> RoomSchedule:
    return RoomSchedule(id=id, styles=frozenset(styles), busy=list(busy))


def week_before(day: date) -> datetime:
    """A `now` far enough ahead of `day` that notice and horizon do not interfere."""
    return at(day - timedelta(days=7), 8)


NOW = week_before(MONDAY)


def slots(**overrides) -> list[Slot]:
    first_day = overrides.get("first_day", MONDAY)
    arguments = {
        "service": BAR,
        "therapists": [therapist()],
        "rooms": [room()],
        "closed_days": (),
        "first_day": first_day,
        "days": 1,
        "now": week_before(first_day),
        "rules": RULES,
    } | overrides
    return free_slots(**arguments)


def check(start: datetime, **overrides) -> tuple[str | None, int | None]:
    arguments = {
        "service": BAR,
        "therapist": therapist(),
        "rooms": [room()],
        "closed_days": (),
        "start": start,
        "now": NOW,
        "rules": RULES,
    } | overrides
    return check_slot(**arguments)


def local_starts(found: list[Slot]) -> list[datetime]:
    return [slot.start.astimezone(TZ) for slot in found]


def wall_times(found: list[Slot]) -> list[str]:
    return [f"{start:%H:%M}" for start in local_starts(found)]


def quarter_hours(first: str, last: str) -> list[str]:
    start = datetime.strptime(first, "%H:%M")  # noqa: DTZ007 - a wall-clock label only
    end = datetime.strptime(last, "%H:%M")  # noqa: DTZ007
    count = (end - start) // timedelta(minutes=15) + 1
    return [f"{start + timedelta(minutes=15 * i):%H:%M}" for i in range(count)]


# --- grid, session shape ------------------------------------------------------------------


def test_slots_start_on_the_quarter_hour_and_fit_the_day_with_the_buffer():
    # 60 min session + 15 min recovery must end by 17:00, so the last start is 15:45.
    assert wall_times(slots()) == quarter_hours("09:00", "15:45")


def test_slot_is_the_session_in_utc_without_the_buffer():
    first = slots()[0]

    assert first.start == at(MONDAY, 9)
    assert first.start.tzinfo is UTC
    assert first.end - first.start == timedelta(hours=1)
    assert (first.therapist_id, first.therapist_slug, first.room_id) == (1, "ana", 1)


def test_working_hours_off_the_grid_start_at_the_next_quarter_hour():
    hours = {MONDAY.weekday(): [(time(9, 5), time(12))]}

    assert wall_times(slots(therapists=[therapist(hours=hours)]))[0] == "09:15"


def test_grid_is_local_wall_clock_time_not_utc():
    # India is UTC+05:30: an hourly local grid falls on half hours in UTC.
    kolkata = ZoneInfo("Asia/Kolkata")
    rules = Rules(tz=kolkata, grid=timedelta(hours=1))
    now = datetime(2026, 5, 20, tzinfo=kolkata)

    found = slots(rules=rules, now=now)

    assert [s.start.astimezone(kolkata).hour for s in found] == list(range(9, 16))
    assert {s.start.minute for s in found} == {30}


def test_check_slot_judges_the_grid_in_local_time():
    kolkata = ZoneInfo("Asia/Kolkata")
    rules = Rules(tz=kolkata, grid=timedelta(hours=1))
    now = datetime(2026, 5, 20, tzinfo=kolkata)

    assert check(datetime(2026, 6, 1, 10, tzinfo=kolkata), rules=rules, now=now) == (None, 1)
    assert check(datetime(2026, 6, 1, 4, tzinfo=UTC), rules=rules, now=now) == (
        av.NOT_ON_GRID,
        None,
    )


def test_results_are_sorted_by_start_then_therapist_slug():
    found = slots(therapists=[therapist(2, "zoe"), therapist(1, "ana")], rooms=[room(1), room(2)])

    assert found == sorted(found, key=lambda s: (s.start, s.therapist_slug))
    assert [s.therapist_slug for s in found[:2]] == ["ana", "zoe"]


def test_window_covers_the_requested_number_of_days():
    found = slots(days=3)

    assert {s.start.astimezone(TZ).date() for s in found} == {MONDAY, TUESDAY, WEDNESDAY}


# --- notice and horizon -------------------------------------------------------------------


def test_min_notice_hides_starts_less_than_two_hours_ahead():
    assert wall_times(slots(now=at(MONDAY, 9, 10)))[0] == "11:15"


def test_a_start_exactly_at_the_min_notice_is_bookable():
    assert wall_times(slots(now=at(MONDAY, 9)))[0] == "11:00"


def test_check_slot_accepts_starts_exactly_at_the_notice_and_horizon_limits():
    assert check(at(MONDAY, 11), now=at(MONDAY, 9)) == (None, 1)
    assert check(at(MONDAY, 12), now=at(MONDAY, 12) - timedelta(days=60)) == (None, 1)


def test_min_notice_counts_real_hours_across_the_spring_forward_gap():
    # At 01:00 EST two real hours later is 04:00 EDT, although the clock shows three more.
    now = at(SPRING_FORWARD, 1)
    night = night_shift(SPRING_FORWARD)

    found = slots(first_day=SPRING_FORWARD, therapists=[night], now=now)

    assert wall_times(found)[0] == "04:00"
    assert check(at(SPRING_FORWARD, 3, 45), therapist=night, now=now) == (av.TOO_SOON, None)


def test_horizon_hides_starts_more_than_sixty_days_ahead():
    now = at(MONDAY, 12) - timedelta(days=60)

    assert wall_times(slots(now=now))[-1] == "12:00"


# --- closed days and working hours --------------------------------------------------------


def test_closed_day_has_no_slots_but_the_next_day_does():
    found = slots(days=2, closed_days={MONDAY})

    assert {s.start.astimezone(TZ).date() for s in found} == {TUESDAY}


def test_day_without_working_hours_has_no_slots():
    hours = {TUESDAY.weekday(): [(time(9), time(17))]}

    assert slots(therapists=[therapist(hours=hours)]) == []


def test_several_working_intervals_a_day_given_in_any_order():
    hours = {MONDAY.weekday(): [(time(14), time(17)), (time(9), time(12))]}

    found = wall_times(slots(therapists=[therapist(hours=hours)]))

    assert found == quarter_hours("09:00", "10:45") + quarter_hours("14:00", "15:45")


def test_adjacent_working_intervals_merge_so_a_session_may_run_across_them():
    hours = {MONDAY.weekday(): [(time(12), time(17)), (time(9), time(12))]}

    assert wall_times(slots(therapists=[therapist(hours=hours)])) == quarter_hours("09:00", "15:45")


def test_overlapping_working_intervals_merge():
    hours = {MONDAY.weekday(): [(time(9), time(13)), (time(10), time(11)), (time(12), time(17))]}

    assert wall_times(slots(therapists=[therapist(hours=hours)])) == quarter_hours("09:00", "15:45")


# --- time off -----------------------------------------------------------------------------


def test_time_off_across_midnight_blocks_the_evening_and_the_next_morning():
    evening_hours = {weekday: [(time(9), time(22))] for weekday in range(7)}
    away = span(at(MONDAY, 20), at(TUESDAY, 10))

    found = local_starts(
        slots(therapists=[therapist(hours=evening_hours, time_off=[away])], days=2)
    )

    monday = [f"{s:%H:%M}" for s in found if s.date() == MONDAY]
    tuesday = [f"{s:%H:%M}" for s in found if s.date() == TUESDAY]
    assert monday[-1] == "18:45"  # ends with its buffer at 20:00, when the time off begins
    assert tuesday[0] == "10:00"


def test_time_off_for_many_days_removes_them_all():
    away = span(at(MONDAY, 0), at(WEDNESDAY, 0))

    found = slots(therapists=[therapist(time_off=[away])], days=3)

    assert {s.start.astimezone(TZ).date() for s in found} == {WEDNESDAY}


# --- credentials --------------------------------------------------------------------------


def test_credential_expiring_mid_window_counts_through_its_expiry_date():
    expiring = (licence(), licence("bar_certification", valid_until=TUESDAY))

    found = slots(therapists=[therapist(credentials=expiring)], days=3)

    assert {s.start.astimezone(TZ).date() for s in found} == {MONDAY, TUESDAY}


def test_credential_issued_mid_window_counts_from_its_issue_date():
    new = (licence(), licence("bar_certification", valid_from=TUESDAY))

    found = slots(therapists=[therapist(credentials=new)], days=2)

    assert {s.start.astimezone(TZ).date() for s in found} == {TUESDAY}


def test_style_certification_without_massage_licence_gives_no_slots():
    assert slots(therapists=[therapist(credentials=[licence("bar_certification")])]) == []


def test_unverified_certification_is_absent_so_no_slots():
    # The loader drops unverified credentials: the therapist arrives without the bar span.
    floor_only = (licence(), licence("floor_certification"))

    assert slots(therapists=[therapist(credentials=floor_only)]) == []
    assert slots(service=FLOOR, therapists=[therapist(credentials=floor_only)]) != []


@pytest.mark.parametrize(
    ("credentials", "day", "expected"),
    [
        ([licence(), licence("bar_certification")], MONDAY, True),
        ([licence(), licence("bar_certification", valid_until=MONDAY)], MONDAY, True),
        ([licence(), licence("bar_certification", valid_until=MONDAY)], TUESDAY, False),
        ([licence(), licence("bar_certification", valid_from=TUESDAY)], MONDAY, False),
        ([licence(valid_until=MONDAY), licence("bar_certification")], TUESDAY, False),
        ([licence("bar_certification")], MONDAY, False),
        ([licence(), licence("floor_certification")], MONDAY, False),
        ([licence(), licence("other")], MONDAY, False),
        ([], MONDAY, False),
    ],
)
def test_qualifies_needs_licence_and_style_certification_on_the_day(credentials, day, expected):
    assert qualifies(credentials, "bar_certification", day) is expected


def test_a_later_renewal_span_keeps_the_therapist_qualified():
    renewed = [
        licence(),
        licence("bar_certification", valid_until=MONDAY),
        licence("bar_certification", valid_from=TUESDAY, valid_until=WEDNESDAY),
    ]

    assert all(qualifies(renewed, "bar_certification", d) for d in (MONDAY, TUESDAY, WEDNESDAY))


# --- daily cap ----------------------------------------------------------------------------


def test_daily_cap_reached_leaves_no_slots_that_day_but_the_next_day_is_fine():
    tired = therapist(sessions={MONDAY: 4}, cap=4)

    found = slots(therapists=[tired], days=2)

    assert {s.start.astimezone(TZ).date() for s in found} == {TUESDAY}


def test_under_the_daily_cap_the_day_is_open():
    assert slots(therapists=[therapist(sessions={MONDAY: 3}, cap=4)]) != []


# --- therapist busy and buffers -----------------------------------------------------------


def test_existing_booking_blocks_until_its_buffer_has_passed():
    # A 09:00-10:00 session with 15 min recovery occupies the therapist until 10:15.
    booked = therapist(busy=[span(at(MONDAY, 9), at(MONDAY, 10, 15))])

    found = wall_times(slots(therapists=[booked]))

    assert "10:00" not in found
    assert found[0] == "10:15"


def test_candidate_buffer_must_end_before_the_next_booking():
    # The next booking starts at 12:00: a 10:45 start ends its recovery exactly at 12:00.
    booked = therapist(busy=[span(at(MONDAY, 12), at(MONDAY, 13, 15))])

    found = wall_times(slots(therapists=[booked]))

    assert "10:45" in found
    assert "11:00" not in found
    assert found[found.index("10:45") + 1] == "13:15"


def test_zero_buffer_allows_back_to_back_sessions():
    booked = therapist(busy=[span(at(MONDAY, 10), at(MONDAY, 11))], buffer=timedelta(0))

    found = wall_times(slots(therapists=[booked]))

    assert {"09:00", "11:00"} <= set(found)
    assert "09:15" not in found


# --- rooms --------------------------------------------------------------------------------


def test_shared_room_booked_for_floor_blocks_bar_if_it_is_the_only_bar_room():
    shared = room(1, ("bar", "floor"), busy=[span(at(MONDAY, 10), at(MONDAY, 11, 15))])
    floor_only = room(2, ("floor",))

    bar = wall_times(slots(rooms=[shared, floor_only]))
    floor = slots(service=FLOOR, rooms=[shared, floor_only])

    assert "10:00" not in bar
    assert "09:00" not in bar  # its turnover would run into the floor booking
    assert {s.room_id for s in floor if f"{s.start.astimezone(TZ):%H:%M}" == "10:00"} == {2}


def test_no_room_of_the_style_means_no_slots():
    assert slots(rooms=[room(1, ("floor",))]) == []


def test_all_suitable_rooms_busy_means_no_slot_at_that_time():
    busy = [span(at(MONDAY, 9), at(MONDAY, 12))]

    found = wall_times(slots(rooms=[room(1, busy=busy), room(2, ("bar",), busy=busy)]))

    assert found[0] == "12:00"


def test_the_first_free_room_in_the_given_order_is_offered():
    morning = [span(at(MONDAY, 9), at(MONDAY, 12))]

    found = slots(rooms=[room(2, busy=morning), room(1)])

    assert found[0].room_id == 1
    assert {s.room_id for s in found if s.start >= at(MONDAY, 12)} == {2}


def test_room_turnover_uses_the_therapist_buffer():
    later = [span(at(MONDAY, 11), at(MONDAY, 12))]

    found = wall_times(slots(rooms=[room(busy=later)]))

    assert "09:45" in found
    assert "10:00" not in found


# --- daylight saving ----------------------------------------------------------------------


def night_shift(day: date) -> TherapistSchedule:
    return therapist(hours={day.weekday(): [(time(0), time(5))]}, buffer=timedelta(0))


def test_no_slot_starts_in_the_spring_forward_gap():
    found = slots(first_day=SPRING_FORWARD, therapists=[night_shift(SPRING_FORWARD)])

    assert wall_times(found) == quarter_hours("00:00", "01:45") + quarter_hours("03:00", "04:00")


def test_spring_forward_night_is_four_real_hours():
    four_hours = ServiceSpec("bar", "bar_certification", timedelta(hours=4))
    longer = ServiceSpec("bar", "bar_certification", timedelta(hours=4, minutes=15))
    night = [night_shift(SPRING_FORWARD)]

    assert wall_times(slots(service=four_hours, first_day=SPRING_FORWARD, therapists=night)) == [
        "00:00"
    ]
    assert slots(service=longer, first_day=SPRING_FORWARD, therapists=night) == []


def test_fall_back_repeated_hour_gives_two_distinct_instants_per_wall_time():
    found = slots(first_day=FALL_BACK, therapists=[night_shift(FALL_BACK)])
    starts = [s.start for s in found]

    assert len(starts) == len(set(starts)) == 21  # (6 real hours - 1 hour session) / 15 min + 1
    assert wall_times(found).count("01:15") == 2
    # (Compare in UTC: Python never calls an ambiguous local time equal to another zone's.)
    assert at(FALL_BACK, 1, 15, fold=0).astimezone(UTC) in starts
    assert at(FALL_BACK, 1, 15, fold=1).astimezone(UTC) in starts
    assert starts == sorted(starts)


def test_fall_back_day_offers_slots_up_to_its_last_quarter_hour():
    # The 25-hour day: its evening must not be cut off 24 real hours after midnight.
    late = therapist(hours={FALL_BACK.weekday(): [(time(20), time(23, 45))]}, buffer=timedelta(0))
    quick = ServiceSpec("bar", "bar_certification", timedelta(minutes=15))

    found = slots(service=quick, first_day=FALL_BACK, therapists=[late], days=2)

    assert wall_times(found) == quarter_hours("20:00", "23:30")


def test_spring_forward_day_offers_nothing_from_the_next_day():
    early = therapist(hours={SPRING_FORWARD.weekday(): [(time(0), time(1))]}, buffer=timedelta(0))
    quick = ServiceSpec("bar", "bar_certification", timedelta(minutes=15))

    found = slots(service=quick, first_day=SPRING_FORWARD, therapists=[early], days=2)

    assert [f"{s:%d %H:%M}" for s in local_starts(found)] == [
        "08 00:00",
        "08 00:15",
        "08 00:30",
        "08 00:45",
    ]


def test_fall_back_night_is_six_real_hours():
    six_hours = ServiceSpec("bar", "bar_certification", timedelta(hours=6))
    night = [night_shift(FALL_BACK)]

    found = slots(service=six_hours, first_day=FALL_BACK, therapists=night)

    assert [s.end - s.start for s in found] == [timedelta(hours=6)]
    assert found[0].start == at(FALL_BACK, 0)


@pytest.mark.parametrize(("day", "utc_hour"), [(SPRING_FORWARD, 13), (FALL_BACK, 14), (MONDAY, 13)])
def test_nine_o_clock_stays_nine_o_clock_on_dst_days(day, utc_hour):
    found = slots(first_day=day)

    assert wall_times(found) == quarter_hours("09:00", "15:45")
    assert found[0].start.hour == utc_hour


def test_working_start_inside_the_gap_begins_when_the_clock_jumps_past_it():
    hours = {SPRING_FORWARD.weekday(): [(time(2, 30), time(5))]}

    found = slots(first_day=SPRING_FORWARD, therapists=[therapist(hours=hours)])

    assert found[0].start == datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT
    assert wall_times(found)[0] == "03:00"


def test_working_boundary_in_the_repeated_hour_means_its_first_occurrence():
    # 01:30-03:00 on the fall-back night starts at 01:30 EDT and runs 2.5 real hours.
    hours = {FALL_BACK.weekday(): [(time(1, 30), time(3))]}
    two_and_a_half = ServiceSpec("bar", "bar_certification", timedelta(hours=2, minutes=30))
    therapists = [therapist(hours=hours, buffer=timedelta(0))]

    found = slots(service=two_and_a_half, first_day=FALL_BACK, therapists=therapists)

    assert [s.start for s in found] == [datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]


def test_working_hours_entirely_inside_the_gap_give_no_slots():
    hours = {SPRING_FORWARD.weekday(): [(time(2), time(2, 45))]}
    quick = ServiceSpec("bar", "bar_certification", timedelta(minutes=15))

    found = slots(service=quick, first_day=SPRING_FORWARD, therapists=[therapist(hours=hours)])

    assert found == []


def test_check_slot_accepts_both_occurrences_of_a_repeated_wall_time():
    night = night_shift(FALL_BACK)
    now = week_before(FALL_BACK)

    assert check(at(FALL_BACK, 1, 30, fold=0), therapist=night, now=now) == (None, 1)
    assert check(at(FALL_BACK, 1, 30, fold=1), therapist=night, now=now) == (None, 1)


# --- pick_for_any -------------------------------------------------------------------------


def any_therapist_slots() -> list[Slot]:
    team = [therapist(1, "ana"), therapist(2, "ben"), therapist(3, "cy")]
    return slots(therapists=team, rooms=[room(1), room(2), room(3)])


def test_pick_for_any_gives_one_slot_per_start_sorted_by_start():
    found = any_therapist_slots()

    picked = pick_for_any(found, tz=TZ)

    assert [s.start for s in picked] == sorted({s.start for s in found})


def test_pick_for_any_prefers_the_therapist_with_fewest_sessions_that_day():
    counts = {1: {MONDAY: 3}, 2: {MONDAY: 1}, 3: {MONDAY: 2, TUESDAY: 0}}

    picked = pick_for_any(any_therapist_slots(), sessions_per_day=counts, tz=TZ)

    assert {s.therapist_slug for s in picked} == {"ben"}


def test_pick_for_any_counts_sessions_on_the_local_day_of_the_slot():
    # ana is busy on Tuesday only; a Monday evening (UTC Tuesday) slot still goes by Monday.
    counts = {1: {TUESDAY: 5}, 2: {MONDAY: 1}}
    late = {weekday: [(time(20), time(23))] for weekday in range(7)}
    team = [therapist(1, "ana", hours=late), therapist(2, "ben", hours=late)]

    picked = pick_for_any(
        slots(therapists=team, rooms=[room(1), room(2)]), sessions_per_day=counts, tz=TZ
    )

    assert {s.therapist_slug for s in picked} == {"ana"}


def test_pick_for_any_breaks_ties_by_slug_whatever_the_input_order():
    found = any_therapist_slots()
    shuffled = found[:]
    random.Random(7).shuffle(shuffled)

    picked = pick_for_any(shuffled, sessions_per_day=None, tz=TZ)

    assert {s.therapist_slug for s in picked} == {"ana"}
    assert picked == pick_for_any(found, tz=TZ)


def test_pick_for_any_only_chooses_among_therapists_free_at_that_start():
    team = [therapist(1, "ana", busy=[span(at(MONDAY, 9), at(MONDAY, 12))]), therapist(2, "ben")]
    counts = {2: {MONDAY: 5}}

    picked = pick_for_any(
        slots(therapists=team, rooms=[room(1), room(2)]), sessions_per_day=counts, tz=TZ
    )

    by_time = {f"{s.start.astimezone(TZ):%H:%M}": s.therapist_slug for s in picked}
    assert by_time["09:00"] == "ben"
    assert by_time["12:00"] == "ana"


def test_pick_for_any_of_nothing_is_nothing():
    assert pick_for_any([], tz=TZ) == []


# --- check_slot ---------------------------------------------------------------------------


def test_check_slot_accepts_a_free_slot_and_names_the_room():
    assert check(at(MONDAY, 10), rooms=[room(3, ("floor",)), room(4), room(5)]) == (None, 4)


@pytest.mark.parametrize(
    ("start", "overrides", "reason"),
    [
        (at(MONDAY, 10, 5), {}, av.NOT_ON_GRID),
        (at(MONDAY, 10) + timedelta(seconds=1), {}, av.NOT_ON_GRID),
        (at(MONDAY, 10), {"now": at(MONDAY, 8, 30)}, av.TOO_SOON),
        (at(MONDAY, 10), {"now": at(MONDAY, 9, 45) - timedelta(days=60)}, av.TOO_FAR),
        (at(MONDAY, 10), {"closed_days": {MONDAY}}, av.CLOSED),
        (at(MONDAY, 8, 45), {}, av.OUTSIDE_HOURS),
        (at(MONDAY, 16), {}, av.OUTSIDE_HOURS),
        (
            at(MONDAY, 10),
            {"therapist": therapist(time_off=[span(at(MONDAY, 11), at(MONDAY, 12))])},
            av.TIME_OFF,
        ),
        (at(MONDAY, 10), {"therapist": therapist(credentials=[licence()])}, av.NOT_QUALIFIED),
        (at(MONDAY, 10), {"therapist": therapist(sessions={MONDAY: 2}, cap=2)}, av.DAILY_CAP),
        (
            at(MONDAY, 10),
            {"therapist": therapist(busy=[span(at(MONDAY, 9), at(MONDAY, 10, 15))])},
            av.THERAPIST_BUSY,
        ),
        (
            at(MONDAY, 10),
            {"rooms": [room(busy=[span(at(MONDAY, 11), at(MONDAY, 12))])]},
            av.NO_ROOM,
        ),
        (at(MONDAY, 10), {"rooms": [room(styles=("floor",))]}, av.NO_ROOM),
    ],
)
def test_check_slot_reports_the_reason(start, overrides, reason):
    assert check(start, **overrides) == (reason, None)


def test_check_slot_reports_the_first_failing_rule_in_the_documented_order():
    overlap = [span(at(MONDAY, 10), at(MONDAY, 11))]
    request = {
        "start": at(MONDAY, 10, 5),
        "now": at(MONDAY, 9),
        "closed_days": {MONDAY},
        "rooms": [room(busy=overlap)],
    }
    person = {
        "hours": {MONDAY.weekday(): [(time(11), time(17))]},
        "time_off": overlap,
        "credentials": [],
        "sessions": {MONDAY: 6},
        "busy": overlap,
    }
    # Everything is wrong at first; fix one problem at a time and watch the next one surface.
    fixes = [
        (av.NOT_ON_GRID, request, "start", at(MONDAY, 10)),
        (av.TOO_SOON, request, "now", NOW),
        (av.CLOSED, request, "closed_days", ()),
        (av.OUTSIDE_HOURS, person, "hours", NINE_TO_FIVE),
        (av.TIME_OFF, person, "time_off", ()),
        (av.NOT_QUALIFIED, person, "credentials", FULLY_QUALIFIED),
        (av.DAILY_CAP, person, "sessions", {}),
        (av.THERAPIST_BUSY, person, "busy", ()),
        (av.NO_ROOM, request, "rooms", [room()]),
    ]
    for reason, problem, key, fix in fixes:
        assert check(therapist=therapist(**person), **request) == (reason, None)
        problem[key] = fix

    assert check(therapist=therapist(**person), **request) == (None, 1)


def test_every_reason_has_a_client_message():
    codes = {
        av.NOT_ON_GRID,
        av.TOO_SOON,
        av.TOO_FAR,
        av.CLOSED,
        av.OUTSIDE_HOURS,
        av.TIME_OFF,
        av.NOT_QUALIFIED,
        av.DAILY_CAP,
        av.WEEKLY_BUDGET,
        av.THERAPIST_BUSY,
        av.NO_ROOM,
    }

    assert set(av.REASON_MESSAGES) == codes
    assert all(message.endswith(".") for message in av.REASON_MESSAGES.values())


@pytest.mark.parametrize("day", [MONDAY, SPRING_FORWARD, FALL_BACK])
def test_check_slot_agrees_with_free_slots_at_every_quarter_hour(day):
    team = [
        therapist(1, "ana", busy=[span(at(day, 10), at(day, 11, 15))]),
        therapist(
            2,
            "ben",
            hours={day.weekday(): [(time(0), time(6)), (time(13), time(20))]},
            time_off=[span(at(day, 15), at(day, 16, 30))],
        ),
        therapist(3, "cy", credentials=[licence()]),
    ]
    rooms = [room(1, ("bar",), busy=[span(at(day, 13), at(day, 14))]), room(2, ("floor",))]
    now = at(day, 0) - timedelta(hours=1)
    found = {
        (s.start, s.therapist_id): s.room_id
        for s in slots(therapists=team, rooms=rooms, first_day=day, now=now)
    }
    start = at(day, 0).astimezone(UTC)
    day_end = at(day + timedelta(days=1), 0).astimezone(UTC)
    checked = 0

    while start < day_end:
        for member in team:
            reason, room_id = check(start, therapist=member, rooms=rooms, now=now)
            assert (reason is None) == ((start, member.id) in found)
            assert room_id == found.get((start, member.id))
            checked += 1
        start += timedelta(minutes=15)

    assert found
    assert checked == 3 * {SPRING_FORWARD: 92, FALL_BACK: 100}.get(day, 96)
