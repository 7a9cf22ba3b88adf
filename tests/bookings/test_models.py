"""The database guarantees themselves: constraints must refuse bad rows whatever the caller."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bookings.models import AppointmentStatus, Service
from tests.factories import (
    AppointmentFactory,
    CredentialFactory,
    RoomFactory,
    ServiceFactory,
    StyleFactory,
    TherapistFactory,
    WorkingHoursFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.db_integrity]


def _refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def booked():
    return AppointmentFactory()


class TestNoDoubleBooking:
    def test_it_refuses_an_overlapping_appointment_for_the_same_therapist(
        self, postgres_only, booked
    ):
        assert _refused(
            lambda: AppointmentFactory(
                therapist=booked.therapist, start=booked.start + dt.timedelta(minutes=30)
            )
        )

    def test_it_refuses_an_overlapping_appointment_in_the_same_room(self, postgres_only, booked):
        assert _refused(
            lambda: AppointmentFactory(
                room=booked.room, start=booked.start - dt.timedelta(minutes=30)
            )
        )

    def test_the_buffer_is_part_of_the_occupied_time(self, postgres_only, booked):
        inside_buffer = booked.end + dt.timedelta(minutes=5)
        assert _refused(lambda: AppointmentFactory(therapist=booked.therapist, start=inside_buffer))

    def test_back_to_back_after_the_buffer_is_allowed(self, booked):
        AppointmentFactory(
            therapist=booked.therapist, room=booked.room, start=booked.occupied_until
        )

    def test_a_cancelled_appointment_does_not_block(self, booked):
        booked.status = AppointmentStatus.CANCELLED
        booked.save()
        AppointmentFactory(therapist=booked.therapist, room=booked.room, start=booked.start)

    @pytest.mark.parametrize(
        "status",
        [s for s in AppointmentStatus.values if s != AppointmentStatus.CANCELLED],
    )
    def test_every_status_but_cancelled_holds_the_time(self, postgres_only, booked, status):
        booked.status = status
        booked.save()
        assert _refused(lambda: AppointmentFactory(therapist=booked.therapist, start=booked.start))

    def test_different_therapists_and_rooms_may_overlap(self, booked):
        AppointmentFactory(start=booked.start)

    def test_reactivating_a_cancelled_appointment_over_a_new_one_is_refused(
        self, postgres_only, booked
    ):
        booked.status = AppointmentStatus.CANCELLED
        booked.save()
        AppointmentFactory(therapist=booked.therapist, start=booked.start)
        booked.status = AppointmentStatus.CONFIRMED
        assert _refused(booked.save)


class TestCheckConstraints:
    def test_an_appointment_must_start_before_it_ends(self):
        assert _refused(
            lambda: AppointmentFactory(
                end=dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC),
                start=dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC),
            )
        )

    def test_the_occupied_interval_cannot_end_before_the_session(self):
        start = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
        assert _refused(
            lambda: AppointmentFactory(
                start=start,
                end=start + dt.timedelta(hours=1),
                occupied_until=start + dt.timedelta(minutes=30),
            )
        )

    @pytest.mark.parametrize("minutes", [0, 5, 241, 10_000])
    def test_service_durations_must_be_sensible(self, minutes):
        assert _refused(lambda: ServiceFactory(duration_minutes=minutes, slug=f"s-{minutes}"))

    def test_a_price_cannot_be_negative(self):
        assert _refused(lambda: ServiceFactory(price=Decimal("-1.00")))

    def test_working_hours_must_start_before_they_end(self):
        assert _refused(lambda: WorkingHoursFactory(start=dt.time(17), end=dt.time(9)))
        assert _refused(lambda: WorkingHoursFactory(start=dt.time(9), end=dt.time(9)))

    def test_a_weekday_is_0_to_6(self):
        assert _refused(lambda: WorkingHoursFactory(weekday=7))

    def test_a_credential_cannot_expire_before_it_was_issued(self):
        assert _refused(
            lambda: CredentialFactory(issued_on=dt.date(2026, 5, 1), expires_on=dt.date(2026, 4, 1))
        )

    @pytest.mark.parametrize("cap", [0, 13])
    def test_a_daily_cap_is_between_1_and_12(self, cap):
        assert _refused(lambda: TherapistFactory(daily_session_cap=cap))

    def test_a_buffer_is_at_most_two_hours(self):
        assert _refused(lambda: TherapistFactory(buffer_minutes=121))

    def test_time_off_must_start_before_it_ends(self):
        therapist = TherapistFactory()
        moment = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
        assert _refused(lambda: therapist.time_off.create(start=moment, end=moment))

    def test_valid_rows_are_accepted(self):
        style = StyleFactory()
        ServiceFactory(style=style, duration_minutes=90)
        RoomFactory(styles=[style])
        WorkingHoursFactory()
        CredentialFactory(expires_on=None)
        assert Service.objects.count() == 1
