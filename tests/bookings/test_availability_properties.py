"""Property tests: over generated clinics, every offered slot obeys every scheduling rule.

The oracles here are written independently of `bookings.availability` (plain loops over
intervals, a scan of every real quarter hour for working-hour boundaries), so a bug in a
helper the module shares between `free_slots` and `check_slot` cannot hide.
Half the windows contain a 2026 DST change day of their zone (1-hour and 30-minute shifts),
and night shifts put working-hour boundaries into the skipped and repeated hours.
"""

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

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
    free_slots_any,
    pick_for_any,
)

# Each zone with its 2026 DST change days (Lord Howe shifts by 30 minutes; India has no DST).
ZONES = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "Asia/Kolkata": [],
}
KINDS = ["massage_licence", "floor_certification", "bar_certification", "other"]
STYLE_CREDENTIAL = {"floor": "floor_certification", "bar": "bar_certification"}
TAKEN = {av.THERAPIST_BUSY, av.NO_ROOM, av.DAILY_CAP}
QUARTER = timedelta(minutes=15)
SHAPES = ("day", "day", "day", "night", "any")
SHARED = frozenset({"floor", "bar"})
ROOM_STYLES = [SHARED, SHARED, SHARED, frozenset({"floor"}), frozenset({"bar"}), frozenset()]


def quarter(index: int) -> time:
    return time(index // 4, index % 4 * 15)


@st.composite
def working_interval(draw, shapes=SHAPES) -> tuple[time, time]:
    """Usually a daytime shift of 2-10 hours; sometimes a night shift around the DST
    changes (boundaries in the skipped or repeated hour), sometimes any stretch."""
    shape = draw(st.sampled_from(shapes))
    if shape == "day":
        start = draw(st.integers(24, 52))
        return quarter(start), quarter(start + draw(st.integers(8, 40)))
    start = draw(st.integers(0, 12 if shape == "night" else 94))
    return quarter(start), quarter(draw(st.integers(start + 1, 24 if shape == "night" else 95)))


@st.composite
def weekly_hours(draw, shapes=SHAPES) -> dict:
    """Most weekdays have one to three (possibly overlapping, unsorted) working intervals."""
    return {
        weekday: draw(st.lists(working_interval(shapes), min_size=1, max_size=3))
        for weekday in range(7)
        if draw(st.integers(0, 3))
    }


@st.composite
def clinic(draw, dst_nights: bool = False) -> dict:
    """A window of up to a week and everything free_slots needs, in a random zone.

    With `dst_nights`, a one- or two-day window over a DST change with only night shifts.
    """
    zone = draw(st.sampled_from([zone for zone in ZONES if ZONES[zone] or not dst_nights]))
    tz = ZoneInfo(zone)
    days = draw(st.integers(1, 2 if dst_nights else 7))
    if ZONES[zone] and (dst_nights or draw(st.booleans())):  # a window with a DST change day
        first_day = draw(st.sampled_from(ZONES[zone])) - timedelta(draw(st.integers(0, days - 1)))
    else:
        first_day = draw(st.dates(date(2026, 1, 1), date(2026, 12, 24)))
    window_start = datetime.combine(first_day, time(), tz).astimezone(UTC)
    window_minutes = (days + 1) * 24 * 60

    def moment(low: int = -24 * 60, high: int = window_minutes, step: int = 5) -> datetime:
        return window_start + timedelta(minutes=step * draw(st.integers(low // step, high // step)))

    def intervals(max_size: int, longest_minutes: int) -> list[Interval]:
        spans = []
        for _ in range(draw(st.integers(0, max_size))):
            start = moment()
            length = timedelta(minutes=5 * draw(st.integers(1, longest_minutes // 5)))
            spans.append(Interval(start, start + length))
        return spans

    def local_day() -> date:
        return first_day + timedelta(days=draw(st.integers(-3, days + 2)))

    def credentials() -> list[CredentialSpan]:
        """Mostly qualified, sometimes missing or expiring mid-window, plus stray spans."""
        spans = []
        for kind in KINDS:
            validity = draw(st.sampled_from(["open"] * 10 + ["limited", "absent"]))
            if validity == "open":
                spans.append(CredentialSpan(kind, first_day - timedelta(days=400), None))
            elif validity == "limited":
                valid_from = local_day()
                valid_until = valid_from + timedelta(days=draw(st.integers(0, 5)))
                spans.append(CredentialSpan(kind, valid_from, valid_until))
        for _ in range(draw(st.integers(0, 1))):
            spans.append(CredentialSpan(draw(st.sampled_from(KINDS)), local_day(), local_day()))
        return spans

    therapists = [
        TherapistSchedule(
            id=number,
            slug=f"t{draw(st.integers(0, 99)):02d}-{number}",
            weekly_hours=draw(weekly_hours(["night"] if dst_nights else SHAPES)),
            time_off=intervals(1, 2 * 24 * 60),
            busy=intervals(8, 150),
            sessions_per_day={local_day(): draw(st.integers(0, 4)) for _ in range(3)},
            credentials=credentials(),
            daily_cap=draw(st.integers(1, 6)),
            buffer=timedelta(minutes=draw(st.integers(0, 30))),
        )
        for number in range(1, draw(st.integers(1, 4)) + 1)
    ]
    rooms = [
        RoomSchedule(
            id=10 + number,
            styles=draw(st.sampled_from(ROOM_STYLES)),
            busy=intervals(6, 150),
        )
        for number in range(draw(st.integers(1, 3)))
    ]
    latest_now = 0 if dst_nights else window_minutes // 2
    now = moment(-2 * 24 * 60, latest_now) + timedelta(seconds=draw(st.integers(0, 59)))
    style = draw(st.sampled_from(["floor", "bar"]))
    minutes = draw(st.sampled_from([30, 60, 90]))
    rules = Rules(
        tz=tz,
        min_notice=draw(st.sampled_from([timedelta(hours=2), timedelta(0), timedelta(minutes=50)])),
        horizon=draw(st.sampled_from([timedelta(days=60), timedelta(days=3), timedelta(hours=30)])),
    )
    return {
        "service": ServiceSpec(style, STYLE_CREDENTIAL[style], timedelta(minutes=minutes)),
        "therapists": therapists,
        "rooms": rooms,
        "closed_days": {local_day() for _ in range(draw(st.integers(0, 2)))},
        "first_day": first_day,
        "days": days,
        "now": now.astimezone(tz) if draw(st.booleans()) else now,
        "rules": rules,
    }


# --- independent oracles ------------------------------------------------------------------


def overlaps(start: datetime, end: datetime, intervals) -> bool:
    return any(i.start < end and start < i.end and i.start < i.end for i in intervals)


def merged_wall_hours(therapist: TherapistSchedule, day: date) -> list[tuple[time, time]]:
    merged: list[list[time]] = []
    for start, end in sorted(therapist.weekly_hours.get(day.weekday(), [])):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def quarter_instants(day: date, tz: ZoneInfo) -> list[datetime]:
    """Every real quarter hour whose wall clock shows `day` (all offsets are quarter hours)."""
    instant = datetime.combine(day, time(), tz).astimezone(UTC)
    instants = []
    while instant.astimezone(tz).date() == day:
        instants.append(instant)
        instant += QUARTER
    return instants


def working_spans(therapist, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Each stretch runs from the first moment the wall clock shows its start to the first
    moment it shows its end: a therapist who starts at 01:30 on the fall-back night is still
    at work when the clock shows 01:00 again."""
    instants = quarter_instants(day, tz)

    def first_showing(wall: time) -> datetime:
        return next(i for i in instants if i.astimezone(tz).time() >= wall)

    return [(first_showing(a), first_showing(b)) for a, b in merged_wall_hours(therapist, day)]


def inside_working_hours(therapist, day, tz, start: datetime, end: datetime) -> bool:
    return any(a <= start and end <= b for a, b in working_spans(therapist, day, tz))


def covered(credentials, kind: str, day: date) -> bool:
    return any(
        c.kind == kind and c.valid_from <= day and (c.valid_until is None or day <= c.valid_until)
        for c in credentials
    )


def assert_obeys_every_rule(slot: Slot, world: dict) -> None:
    rules, service = world["rules"], world["service"]
    therapist = next(t for t in world["therapists"] if t.id == slot.therapist_id)
    room = next(r for r in world["rooms"] if r.id == slot.room_id)
    local = slot.start.astimezone(rules.tz)
    day = local.date()
    occupied_until = slot.start + service.duration + therapist.buffer

    assert slot.start.tzinfo is UTC
    assert slot.end == slot.start + service.duration
    assert slot.therapist_slug == therapist.slug
    # grid, notice, horizon, window, closed days
    assert local.minute % 15 == 0 and local.second == 0 and local.microsecond == 0
    now = world["now"].astimezone(UTC)  # local + timedelta would be wall-clock arithmetic
    assert now + rules.min_notice <= slot.start <= now + rules.horizon
    assert 0 <= (day - world["first_day"]).days < world["days"]
    assert day not in world["closed_days"]
    # (a) inside one working interval, buffer included
    assert inside_working_hours(therapist, day, rules.tz, slot.start, occupied_until)
    # (b) not during a booking or time off
    assert not overlaps(slot.start, occupied_until, therapist.busy)
    assert not overlaps(slot.start, occupied_until, therapist.time_off)
    # (c) a room equipped for the style, free including turnover
    assert service.style in room.styles
    assert not overlaps(slot.start, occupied_until, room.busy)
    # (d) cap and credentials on the local day
    assert therapist.sessions_per_day.get(day, 0) < therapist.daily_cap
    assert covered(therapist.credentials, "massage_licence", day)
    assert covered(therapist.credentials, service.required_credential, day)


def reference_slots(world: dict) -> dict[tuple[datetime, int], int]:
    """Brute force: try every real quarter hour of every day against every rule."""
    rules, service = world["rules"], world["service"]
    now = world["now"].astimezone(UTC)
    offered = {}
    for therapist in world["therapists"]:
        for day in (world["first_day"] + timedelta(days=i) for i in range(world["days"])):
            if (
                day in world["closed_days"]
                or therapist.sessions_per_day.get(day, 0) >= therapist.daily_cap
                or not covered(therapist.credentials, "massage_licence", day)
                or not covered(therapist.credentials, service.required_credential, day)
            ):
                continue
            spans = working_spans(therapist, day, rules.tz)
            for start in quarter_instants(day, rules.tz):
                end = start + service.duration + therapist.buffer
                if (
                    now + rules.min_notice <= start <= now + rules.horizon
                    and any(a <= start and end <= b for a, b in spans)
                    and not overlaps(start, end, [*therapist.busy, *therapist.time_off])
                ):
                    free_rooms = [
                        room.id
                        for room in world["rooms"]
                        if service.style in room.styles and not overlaps(start, end, room.busy)
                    ]
                    if free_rooms:
                        offered[(start, therapist.id)] = free_rooms[0]
    return offered


def check(world: dict, therapist: TherapistSchedule, start: datetime):
    return check_slot(
        service=world["service"],
        therapist=therapist,
        rooms=world["rooms"],
        closed_days=world["closed_days"],
        start=start,
        now=world["now"],
        rules=world["rules"],
    )


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(clinic())
def test_every_offered_slot_obeys_every_rule(world):
    found = free_slots(**world)

    assert found == sorted(found, key=lambda s: (s.start, s.therapist_slug))
    assert len({(s.start, s.therapist_id) for s in found}) == len(found)
    for slot in found:
        assert_obeys_every_rule(slot, world)


@settings(max_examples=100, deadline=None)
@given(clinic())
def test_free_slots_offers_exactly_what_a_brute_force_search_finds(world):
    found = {(s.start, s.therapist_id): s.room_id for s in free_slots(**world)}

    assert found == reference_slots(world)


@settings(max_examples=100, deadline=None)
@given(clinic(dst_nights=True))
def test_dst_night_shifts_get_exactly_what_a_brute_force_search_finds(world):
    """Working-hour boundaries in the skipped or repeated hour, slots across the change."""
    found = {(s.start, s.therapist_id): s.room_id for s in free_slots(**world)}

    assert found == reference_slots(world)
    for (start, therapist_id), room_id in found.items():
        therapist = next(t for t in world["therapists"] if t.id == therapist_id)
        assert check(world, therapist, start) == (None, room_id)


@settings(max_examples=60, deadline=None)
@given(clinic())
def test_check_slot_agrees_with_free_slots_at_every_quarter_hour(world):
    offered = {(s.start, s.therapist_id): s.room_id for s in free_slots(**world)}
    tz = world["rules"].tz
    first = datetime.combine(world["first_day"], time(), tz).astimezone(UTC)
    last = datetime.combine(world["first_day"] + timedelta(days=world["days"]), time(), tz)
    candidates = [first + QUARTER * k for k in range((last - first) // QUARTER)]

    for therapist in world["therapists"]:
        for start in candidates:
            reason, room_id = check(world, therapist, start)
            assert room_id == offered.get((start, therapist.id)), reason
            assert (reason is None) == ((start, therapist.id) in offered)
        off_grid = check(world, therapist, candidates[0] + timedelta(minutes=7))
        assert off_grid == (av.NOT_ON_GRID, None)


@settings(max_examples=100, deadline=None)
@given(clinic(), st.randoms(use_true_random=False))
def test_booking_offered_slots_one_by_one_only_ever_fails_as_taken(world, random):
    """Booking never turns an offered slot into a rule violation, only into "taken"."""
    found = free_slots(**world)
    random.shuffle(found)
    service, tz = world["service"], world["rules"].tz
    therapists = {t.id: t for t in world["therapists"]}
    rooms = {r.id: r for r in world["rooms"]}
    booked = []

    for slot in found[:40]:
        therapist = therapists[slot.therapist_id]
        reason, room_id = check(world | {"rooms": list(rooms.values())}, therapist, slot.start)
        if reason is not None:
            assert reason in TAKEN
            continue
        occupied = Interval(slot.start, slot.start + service.duration + therapist.buffer)
        day = slot.start.astimezone(tz).date()
        therapists[therapist.id] = dataclasses.replace(
            therapist,
            busy=[*therapist.busy, occupied],
            sessions_per_day=Counter(therapist.sessions_per_day) + Counter({day: 1}),
        )
        rooms[room_id] = dataclasses.replace(rooms[room_id], busy=[*rooms[room_id].busy, occupied])
        booked.append((therapist.id, room_id, occupied, day))

    assert bool(booked) == bool(found)
    for first_index, (therapist_id, room_id, occupied, _) in enumerate(booked):
        for other_therapist, other_room, other, _ in booked[first_index + 1 :]:
            clash = occupied.start < other.end and other.start < occupied.end
            assert not (clash and therapist_id == other_therapist), "therapist double-booked"
            assert not (clash and room_id == other_room), "room double-booked"
    for therapist in world["therapists"]:
        per_day = Counter(day for tid, _, _, day in booked if tid == therapist.id)
        for day, count in per_day.items():
            assert therapist.sessions_per_day.get(day, 0) + count <= therapist.daily_cap

    # Booking only ever takes slots away.
    after = world | {"therapists": list(therapists.values()), "rooms": list(rooms.values())}
    before = {(s.start, s.therapist_id) for s in found}
    remaining = {(s.start, s.therapist_id) for s in free_slots(**after)}
    assert remaining <= before
    assert not remaining & {(occupied.start, tid) for tid, _, occupied, _ in booked}


@settings(max_examples=150, deadline=None)
@given(clinic())
def test_free_slots_any_is_exactly_pick_for_any_of_every_free_slot(world):
    """The fast "any therapist" listing offers the same start, therapist and room as
    listing every free pair and letting pick_for_any choose."""
    expected = pick_for_any(
        free_slots(**world),
        sessions_per_day={t.id: t.sessions_per_day for t in world["therapists"]},
        tz=world["rules"].tz,
    )

    assert free_slots_any(**world) == expected
