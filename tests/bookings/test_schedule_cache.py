"""Cached availability is never stale: every kind of change moves the schedule version.

`GET /api/availability` answers from the shared cache under the schedule version, which
database triggers replace in the same transaction as any change availability depends on.
Each case below caches an answer, makes one kind of change through the path the clinic uses
for it (booking services, the waitlist, or the ORM as the admin and the shell do), and
checks that the next answer is exactly what a fresh computation gives, and that it differs
from the cached one (so the change mattered).
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import schedule_cache
from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.models import Appointment, ClosedDay, Room, ScheduleVersion, Service
from bookings.services import ClientDetails, booking_create
from health import screening
from tests.bookings.clinic import build_clinic, local_time
from tests.factories import AppointmentFactory, WorkingHoursFactory
from therapists.models import Credential, CredentialKind, Therapist, TimeOff, WorkingHours
from waitlist.models import EntryStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import offers_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_bar_room_clinic():
    """Two therapists who can work at once, but only one bar room for them."""
    return build_clinic(therapists=2, bar_rooms=1)


def _params(one_bar_room_clinic, therapist: str = "any") -> dict:
    day = local_time(3, 0).date().isoformat()
    return {
        "service": one_bar_room_clinic.bar_60.slug,
        "date": day,
        "days": 2,
        "therapist": therapist,
    }


def _get(client, params) -> dict:
    response = client.get("/api/availability", params)
    assert response.status_code == 200
    return response.json()


def _fresh(client, params, settings) -> dict:
    """Computed from the database alone: no cached answer, no catalog from memory."""
    settings.AVAILABILITY_CACHE_SECONDS = 0
    settings.SCHEDULE_CATALOG_IN_MEMORY = False
    try:
        return _get(client, params)
    finally:
        settings.AVAILABILITY_CACHE_SECONDS = 90
        settings.SCHEDULE_CATALOG_IN_MEMORY = True


def _client(n: int = 1) -> ClientDetails:
    return ClientDetails(name=f"Client {n}", email=f"c{n}@example.com", phone="+1 212 555 0100")


def _book(one_bar_room_clinic, start, therapist=None) -> Appointment:
    return booking_create(
        service=one_bar_room_clinic.bar_60,
        therapist=therapist,
        start=start,
        client=_client(),
        answers=screening.clear_answers(),
    ).appointment


def _booked(one_bar_room_clinic):
    return AppointmentFactory(
        therapist=one_bar_room_clinic.therapists[0],
        service=one_bar_room_clinic.bar_60,
        room=one_bar_room_clinic.bar_rooms[0],
        start=local_time(3, 13),
    )


def _waitlist_hold(one_bar_room_clinic):
    WaitlistEntry.objects.create(
        service=one_bar_room_clinic.bar_60,
        therapist=one_bar_room_clinic.therapists[0],
        first_day=local_time(3, 0).date(),
        last_day=local_time(4, 0).date(),
        name="Wanda Waiting",
        email="wanda@example.com",
        phone="+1 212 555 0101",
        answers=screening.clear_answers(),
        status=EntryStatus.WAITING,  # as after the client confirmed the address
        confirmed_at=timezone.now(),
        queued_at=timezone.now(),
    )
    assert offers_make() == 1


def _one_therapist(one_bar_room_clinic) -> Therapist:
    return one_bar_room_clinic.therapists[0]


# Each change: (setup before the answer is cached, the change itself).
CHANGES = {
    "booking (service)": (None, lambda c, _: _book(c, local_time(3, 10))),
    "cancellation (service)": (
        lambda c: _book(c, local_time(3, 10)),
        lambda c, a: booking_cancel(appointment=a),
    ),
    "move (service)": (
        lambda c: _book(c, local_time(3, 10)),
        lambda c, a: booking_reschedule(appointment=a, start=local_time(4, 11)),
    ),
    "cancellation (bulk update, as an admin action)": (
        _booked,
        lambda c, a: Appointment.objects.filter(pk=a.pk).update(status="cancelled"),
    ),
    "waitlist hold": (None, lambda c, _: _waitlist_hold(c)),
    "waitlist offer withdrawn": (
        lambda c: _waitlist_hold(c),
        lambda c, _: WaitlistOffer.objects.update(status="expired"),
    ),
    "time off": (
        None,
        lambda c, _: TimeOff.objects.create(
            therapist=_one_therapist(c), start=local_time(3, 9), end=local_time(3, 12)
        ),
    ),
    "working hours changed": (
        None,
        lambda c, _: WorkingHours.objects.filter(therapist__in=c.therapists).update(
            end=dt.time(12)
        ),
    ),
    "working hours added": (
        None,
        lambda c, _: [
            WorkingHoursFactory(therapist=t, weekday=w, start=dt.time(18), end=dt.time(20))
            for t in c.therapists
            for w in range(7)
        ],
    ),
    "working hours deleted": (
        None,
        lambda c, _: WorkingHours.objects.filter(therapist=_one_therapist(c)).delete(),
    ),
    "credential lapses": (
        None,
        lambda c, _: Credential.objects.filter(
            therapist=_one_therapist(c), kind=CredentialKind.BAR_CERTIFICATION
        ).update(expires_on=timezone.localdate()),
    ),
    "credential unverified": (
        None,
        lambda c, _: Credential.objects.filter(
            therapist=_one_therapist(c), kind=CredentialKind.MASSAGE_LICENCE
        ).update(verified_at=None),
    ),
    "therapist deactivated": (
        None,
        lambda c, _: Therapist.objects.filter(pk=_one_therapist(c).pk).update(active=False),
    ),
    "therapist's buffer": (
        None,
        lambda c, _: Therapist.objects.update(buffer_minutes=45),
    ),
    "room deactivated": (None, lambda c, _: Room.objects.update(active=False)),
    "room loses its style": (None, lambda c, _: c.bar_rooms[0].styles.clear()),
    "closed day": (
        None,
        lambda c, _: ClosedDay.objects.create(date=local_time(3, 0).date(), reason="Holiday"),
    ),
    "service duration": (
        None,
        lambda c, _: Service.objects.filter(pk=c.bar_60.pk).update(duration_minutes=120),
    ),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("therapist", ["any", "named"])
def test_a_cached_answer_is_never_stale_after_a_change(
    client, one_bar_room_clinic, settings, change, therapist
):
    setup, apply = CHANGES[change]
    before = setup(one_bar_room_clinic) if setup else None
    params = _params(
        one_bar_room_clinic,
        therapist if therapist == "any" else one_bar_room_clinic.therapists[0].slug,
    )
    cached = _get(client, params)
    assert _get(client, params) == cached  # the second answer comes from the cache

    apply(one_bar_room_clinic, before)

    one_bar_room_clinic.bar_60.refresh_from_db()
    if therapist == "named" and change == "therapist deactivated":
        # Clients cannot ask for an inactive therapist at all (looked up outside the cache).
        assert client.get("/api/availability", params).status_code == 404
        return
    answer = _get(client, params)
    assert answer == _fresh(client, params, settings)
    assert answer != cached, "the change should have changed the free times"


def test_the_second_identical_request_is_answered_from_the_cache(
    client, one_bar_room_clinic, django_assert_num_queries
):
    params = _params(one_bar_room_clinic)
    _get(client, params)
    # service, schedule version; the answer from memory: no loader queries.
    with django_assert_num_queries(2):
        _get(client, params)


def test_the_version_moves_inside_the_writing_transaction_and_rolls_back_with_it(
    one_bar_room_clinic,
):
    _book(one_bar_room_clinic, local_time(3, 10))
    before = schedule_cache.schedule_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        TimeOff.objects.create(
            therapist=one_bar_room_clinic.therapists[0],
            start=local_time(3, 9),
            end=local_time(3, 12),
        )
        assert schedule_cache.schedule_version() != before  # same transaction
        raise RuntimeError("roll back")
    assert schedule_cache.schedule_version() == before
    assert ScheduleVersion.objects.count() == 1


@pytest.mark.parametrize("second", [0, 1, 30, 59])
def test_every_moment_of_a_minute_offers_what_its_representative_offers(
    one_bar_room_clinic, second
):
    from bookings.schedules import available_slots

    now = local_time(1, 7, 0).replace(second=second, microsecond=500_000 if second else 0)
    for days in (1, 3):
        args = {
            "service": one_bar_room_clinic.bar_60,
            "therapist": None,
            "first_day": now.date(),
            "days": days,
        }
        assert available_slots(**args, now=now) == available_slots(
            **args, now=schedule_cache.moment(now)
        )


def _tokens() -> tuple[str, str]:
    return tuple(ScheduleVersion.objects.values_list("token", "config_token").get())


@pytest.mark.db_integrity
def test_bookings_move_only_the_token_and_catalog_writes_move_both(one_bar_room_clinic):
    """The in-memory catalog (`bookings.schedule_catalog`) stands while only appointments and
    holds change, and is read again after any write to the tables it holds (both vendors'
    triggers)."""
    appointment = _book(one_bar_room_clinic, local_time(3, 10))
    token, config = _tokens()
    assert config
    booking_cancel(appointment=appointment, reason="test")
    after_cancel = _tokens()
    assert after_cancel[0] != token and after_cancel[1] == config
    TimeOff.objects.create(
        therapist=one_bar_room_clinic.therapists[0], start=local_time(4, 9), end=local_time(4, 12)
    )
    after_time_off = _tokens()
    assert after_time_off[0] != after_cancel[0] and after_time_off[1] != config
    Room.objects.update(name="Renamed")
    assert _tokens()[1] != after_time_off[1]


# Every table of bookings and therapists that availability reads (bookings 0006 and 0010;
# the busy times of therapists' own calendars: therapists 0004).
SCHEDULE_TABLES = [
    "bookings_appointment",
    "bookings_room",
    "bookings_room_styles",
    "bookings_service",
    "bookings_style",
    "bookings_closedday",
    "therapists_therapist",
    "therapists_workinghours",
    "therapists_timeoff",
    "therapists_credential",
    "therapists_externalbusy",
]


@pytest.mark.db_integrity
def test_every_table_availability_reads_has_its_triggers():
    """A migration that rebuilds a table (SQLite does, to add a column with a default)
    drops its triggers; this fails until a migration puts them back."""
    from django.db import connection

    tables = [*SCHEDULE_TABLES, "waitlist_waitlistoffer"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
            expected_per_table = 3  # one per kind of write
        else:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s",
                ["%_schedule_changed"],
            )
            expected_per_table = 3  # a row per event (TRUNCATE is not listed)
        found = [row[0] for row in cursor.fetchall()]
    missing = {t: found.count(t) for t in tables if found.count(t) < expected_per_table}
    assert not missing, f"tables without their schedule triggers: {missing}"


def test_a_miss_after_a_booking_reads_both_tokens_at_once_and_the_catalog_from_memory(
    client, one_bar_room_clinic, django_assert_num_queries
):
    """On a busy day nearly every question misses (each booking moves the version); the
    miss costs the service, both tokens (one query), and appointments and holds: the
    catalog, therapists' names included, comes from memory."""
    params = _params(one_bar_room_clinic)
    _get(client, params)
    _booked(one_bar_room_clinic)  # occupancy only: the catalog stands
    with django_assert_num_queries(3):
        answer = _get(client, params)
    assert answer["slots"]
