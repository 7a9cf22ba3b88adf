"""The loader: right data, and a number of queries that does not grow with the data."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability, schedule_catalog
from bookings.models import AppointmentStatus, ClosedDay
from bookings.schedules import available_slots, clinic_rules, load_window, service_spec
from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.factories import AppointmentFactory, CredentialFactory, TherapistFactory
from therapists.models import CredentialKind

pytestmark = pytest.mark.django_db

# A new catalog (bookings.schedule_catalog): its token, then therapists, working hours,
# credentials, time off with the own calendars' busy times (one query), rooms + styles, closed days, services + styles (which the pages,
# the API and the booking service look up by slug); then appointments and holds.
LOADER_QUERIES = 9
# The catalog from memory: its token, then appointments and holds.
WARM_LOADER_QUERIES = 2


def _load(days=14, therapists=None, **kwargs):
    return load_window(
        first_day=timezone.localdate(),
        days=days,
        therapists=therapists,
        tz=clinic_rules().tz,
        **kwargs,
    )


def test_the_query_count_is_the_same_for_one_therapist_or_many_with_many_bookings(
    django_assert_num_queries,
):
    clinic = build_clinic(therapists=1)
    with django_assert_num_queries(LOADER_QUERIES):
        _load(days=1, therapists=clinic.therapists)
    for _ in range(8):
        therapist = TherapistFactory()
        qualify(therapist, CredentialKind.BAR_CERTIFICATION)
        work_every_day(therapist)
        for day in range(1, 10):
            AppointmentFactory(therapist=therapist, service=clinic.bar_60, start=local_time(day, 9))
        therapist.time_off.create(start=local_time(11, 0), end=local_time(12, 0), reason="rest")
    ClosedDay.objects.create(date=timezone.localdate() + dt.timedelta(days=5))
    with django_assert_num_queries(LOADER_QUERIES):
        window = _load(days=14)
    assert len(window.therapists) == 10  # 1 + the floor-only one + 8


def test_it_gathers_busy_time_sessions_credentials_and_closures():
    clinic = build_clinic(therapists=1)
    therapist = clinic.therapists[0]
    booked = AppointmentFactory(therapist=therapist, service=clinic.bar_60, start=local_time(2, 10))
    AppointmentFactory(
        therapist=therapist, start=local_time(2, 12), status=AppointmentStatus.CANCELLED
    )
    CredentialFactory(therapist=therapist, kind=CredentialKind.OTHER, verified_at=None)
    ClosedDay.objects.create(date=timezone.localdate() + dt.timedelta(days=6))
    window = _load(therapists=[therapist])
    (schedule,) = window.therapists
    assert [(b.start, b.end) for b in schedule.busy] == [(booked.start, booked.occupied_until)]
    assert schedule.sessions_per_day == {booked.start.astimezone(clinic_rules().tz).date(): 1}
    assert {c.kind for c in schedule.credentials} == {
        "massage_licence",
        "bar_certification",
        "floor_certification",
    }  # fmt: skip  (the unverified one is left out)
    room = next(r for r in window.rooms if r.id == booked.room_id)
    assert len(room.busy) == 1
    assert window.closed_days == {timezone.localdate() + dt.timedelta(days=6)}


def test_an_appointment_being_moved_does_not_block_itself():
    clinic = build_clinic(therapists=1)
    booked = AppointmentFactory(therapist=clinic.therapists[0], start=local_time(2, 10))
    window = _load(therapists=clinic.therapists, ignore_appointment_id=booked.pk)
    assert window.therapists[0].busy == []


def test_inactive_therapists_and_rooms_are_left_out():
    clinic = build_clinic(therapists=2)
    clinic.therapists[1].active = False
    clinic.therapists[1].save()
    clinic.bar_rooms[0].active = False
    clinic.bar_rooms[0].save()
    window = _load()
    assert clinic.therapists[1].id not in {t.id for t in window.therapists}
    assert clinic.bar_rooms[0].id not in {r.id for r in window.rooms}


def test_a_second_window_reads_only_the_token_and_the_appointments(django_assert_num_queries):
    clinic = build_clinic(therapists=3)
    _load(days=14)
    AppointmentFactory(
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(2, 10),
    )  # occupancy: the catalog stands
    with django_assert_num_queries(WARM_LOADER_QUERIES):
        window = _load(days=14)
    assert sum(len(s.busy) for s in window.therapists) == 1


@pytest.mark.parametrize(
    "change",
    [
        "time off",
        "revoked credential",
        "working hours",
        "dated hours",
        "own calendar busy",
        "closed day",
        "room",
        "cap",
    ],
)
def test_a_catalog_change_is_seen_by_the_next_window(change, django_assert_num_queries):
    """Every write to a catalog table moves the config token in its own statement, so the
    next window reads the catalog again and sees the change (bulk updates included)."""
    clinic = build_clinic(therapists=1)
    therapist = clinic.therapists[0]
    before = _load(days=14, therapists=[therapist])
    if change == "time off":
        therapist.time_off.create(start=local_time(3, 9), end=local_time(3, 17), reason="rest")
    elif change == "revoked credential":
        therapist.credentials.update(verified_at=None)
    elif change == "working hours":
        therapist.working_hours.all().delete()
    elif change == "dated hours":  # approved new hours from a day in the window
        therapist.working_hours.update(valid_until=timezone.localdate() + dt.timedelta(days=5))
    elif change == "own calendar busy":  # a sync stored a busy time of their own calendar
        therapist.external_busy.create(start=local_time(3, 9), end=local_time(3, 11))
    elif change == "closed day":
        ClosedDay.objects.create(date=timezone.localdate() + dt.timedelta(days=4))
    elif change == "room":
        clinic.bar_rooms[0].__class__.objects.update(active=False)
    else:
        type(therapist).objects.filter(pk=therapist.pk).update(daily_session_cap=1)
    with django_assert_num_queries(LOADER_QUERIES):
        after = _load(days=14, therapists=[therapist])
    assert after != before


def test_services_and_therapists_by_slug_come_from_the_catalog_and_are_never_stale(
    django_assert_num_queries,
):
    """The pages, the API and the booking service look services and therapists up in the
    catalog: the token alone while it stands, and every change (bulk updates included) seen
    by the next lookup."""
    clinic = build_clinic(therapists=2)
    service, therapist = clinic.bar_60, clinic.therapists[0]
    assert schedule_catalog.service(service.slug) == service
    with django_assert_num_queries(1):  # the token
        found = schedule_catalog.service(service.slug)
    assert found.style == service.style and found.duration == service.duration
    with django_assert_num_queries(1):
        assert schedule_catalog.therapist(therapist.slug) == therapist
    assert schedule_catalog.holders(service.style.required_credential) == clinic.therapists

    type(service).objects.filter(pk=service.pk).update(name="Renamed")
    assert schedule_catalog.service(service.slug).name == "Renamed"
    type(service).objects.filter(pk=service.pk).update(active=False)
    assert schedule_catalog.service(service.slug) is None
    type(therapist).objects.filter(pk=therapist.pk).update(active=False)
    assert schedule_catalog.therapist(therapist.slug) is None
    assert schedule_catalog.holders(service.style.required_credential) == clinic.therapists[1:]
    clinic.therapists[1].credentials.update(verified_at=None)
    assert schedule_catalog.holders(service.style.required_credential) == []


@pytest.mark.db_integrity  # also on SQLite, where the listing reads through the ORM
@pytest.mark.parametrize("choice", ["named", "any"])
def test_a_listing_offers_exactly_the_starts_a_full_window_allows(choice):
    """`available_slots` loads a listing window (only the bookings that can decide it);
    it must offer exactly the starts the full window, which every booking checks, allows."""
    clinic = build_clinic(therapists=3, bar_rooms=2)
    rooms = clinic.bar_rooms
    for i, therapist in enumerate(clinic.therapists):
        for day in (1, 2):
            AppointmentFactory(
                therapist=therapist,
                service=clinic.bar_60,
                room=rooms[i % 2],
                start=local_time(day, 9 + 2 * i),
            )
    therapist = clinic.therapists[0] if choice == "named" else None
    rules = clinic_rules()
    now = timezone.now()
    listed = available_slots(
        service=clinic.bar_60, therapist=therapist, first_day=_today(), days=4, now=now
    )
    full = load_window(
        first_day=_today(),
        days=4,
        therapists=None if therapist is None else [therapist],
        tz=rules.tz,
    )
    pick = availability.free_slots if therapist else availability.free_slots_any
    allowed = pick(
        service=service_spec(clinic.bar_60),
        therapists=full.therapists,
        rooms=full.rooms,
        closed_days=full.closed_days,
        first_day=_today(),
        days=4,
        now=now,
        rules=rules,
    )
    assert listed
    assert [(s.start, s.therapist_id) for s in listed] == [
        (s.start, s.therapist_id) for s in allowed
    ]


def _today():
    return timezone.localdate()
