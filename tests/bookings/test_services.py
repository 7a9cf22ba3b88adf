"""booking_create / booking_cancel / booking_reschedule: rules applied, nothing half-written."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.services import BookingError, ClientDetails, booking_create
from clients.models import Client
from health.models import Intake
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

SOMEONE = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def book(clinic, *, therapist="first", start=None, answers=None, **kwargs):
    if therapist == "first":
        therapist = clinic.therapists[0]
    return booking_create(
        service=kwargs.pop("service", clinic.bar_60),
        therapist=therapist,
        start=start or local_time(3, 10),
        client=SOMEONE,
        answers=answers or clear_answers(),
        **kwargs,
    )


def on_grid(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def nothing_written() -> bool:
    return not (Appointment.objects.exists() or Intake.objects.exists() or Client.objects.exists())


class TestCreate:
    def test_a_clear_intake_is_confirmed_with_a_room_token_and_history(self, clinic):
        result = book(clinic)
        appointment = result.appointment
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert appointment.room in clinic.bar_rooms
        assert appointment.end - appointment.start == dt.timedelta(minutes=60)
        assert appointment.occupied_until - appointment.end == dt.timedelta(minutes=15)
        assert appointment.manage_token_matches(result.manage_token)
        assert result.manage_token not in appointment.manage_token_hash
        assert not appointment.manage_token_matches("guess")
        assert appointment.intake.outcome == "clear"
        assert list(appointment.events.values_list("kind", flat=True)) == ["created"]

    def test_needs_clearance_books_pending_review_and_holds_the_slot(self, clinic):
        result = book(clinic, answers=clear_answers(disc_condition=True))
        assert result.appointment.status == AppointmentStatus.PENDING_REVIEW
        with pytest.raises(BookingError) as error:
            book(clinic)
        assert error.value.code == services.TAKEN

    def test_light_pressure_caps_the_pressure(self, clinic):
        result = book(clinic, answers=clear_answers(back_pain_now="mild", pressure="deep"))
        assert result.appointment.status == AppointmentStatus.CONFIRMED
        assert result.appointment.intake.effective_pressure == "light"

    def test_a_declined_intake_books_nothing_and_says_why(self, clinic):
        with pytest.raises(BookingError) as error:
            book(clinic, answers=clear_answers(osteoporosis=True))
        assert error.value.code == services.DECLINED
        assert "osteoporosis" in error.value.message
        assert nothing_written()

    def test_incomplete_answers_book_nothing_and_name_the_question(self, clinic):
        answers = clear_answers()
        del answers["pregnancy"]
        with pytest.raises(BookingError) as error:
            book(clinic, answers=answers)
        assert error.value.code == services.INVALID_INTAKE
        assert "pregnancy" in error.value.errors
        assert nothing_written()

    def test_a_time_without_offset_is_refused(self, clinic):
        with pytest.raises(BookingError) as error:
            book(clinic, start=local_time(3, 10).replace(tzinfo=None))
        assert error.value.code == services.INVALID_REQUEST

    @pytest.mark.parametrize(
        ("start", "code"),
        [
            (lambda: local_time(3, 7), "outside_hours"),
            (lambda: local_time(3, 16, 30), "outside_hours"),  # 60 min + buffer passes 17:00
            (lambda: local_time(3, 10, 5), "not_on_grid"),
            (lambda: on_grid(timezone.now() + dt.timedelta(minutes=30)), "too_soon"),
            (lambda: local_time(90, 10), "too_far"),
            (lambda: on_grid(timezone.now() - dt.timedelta(days=1)), "too_soon"),
        ],
    )
    def test_rule_violations_book_nothing_and_explain(self, clinic, start, code):
        with pytest.raises(BookingError) as error:
            book(clinic, start=start())
        assert error.value.code == code
        assert error.value.message
        assert nothing_written()

    def test_a_therapist_without_the_certification_cannot_be_booked(self, clinic):
        with pytest.raises(BookingError) as error:
            book(clinic, therapist=clinic.floor_only)
        assert error.value.code == "not_qualified"
        book(clinic, therapist=clinic.floor_only, service=clinic.floor_60)

    def test_staff_may_book_inside_the_minimum_notice_for_a_walk_in(
        self, clinic, staff_without_role
    ):
        start, now = local_time(3, 10), local_time(3, 9, 20)
        with pytest.raises(BookingError) as error:
            book(clinic, start=start, now=now)
        assert error.value.code == "too_soon"
        assert book(clinic, start=start, now=now, actor=staff_without_role).appointment.pk

    def test_any_therapist_spreads_load_and_never_double_books(self, clinic):
        first = book(clinic, therapist=None).appointment
        second = book(clinic, therapist=None).appointment
        assert {first.therapist, second.therapist} == set(clinic.therapists)
        assert first.room != second.room
        with pytest.raises(BookingError) as error:
            book(clinic, therapist=None)
        assert error.value.code == services.TAKEN

    def test_any_therapist_is_never_an_unqualified_one(self, clinic):
        for therapist in clinic.therapists:
            book(clinic, therapist=therapist)
        with pytest.raises(BookingError):
            book(clinic, therapist=None)  # floor_only is free but may not do bar work
        assert not Appointment.objects.filter(therapist=clinic.floor_only).exists()

    def test_the_room_is_a_resource_too(self, clinic):
        clinic.bar_rooms[1].delete()
        book(clinic, therapist=clinic.therapists[0])
        with pytest.raises(BookingError) as error:
            book(clinic, therapist=clinic.therapists[1])
        assert error.value.code == services.TAKEN

    def test_the_exclusion_constraint_becomes_the_same_domain_error(self, clinic, postgres_only):
        existing = book(clinic).appointment
        with pytest.raises(BookingError) as error:
            services._insert_guarded(
                lambda: AppointmentFactory(therapist=existing.therapist, start=existing.start)
            )
        assert error.value.code == services.TAKEN
        assert Appointment.objects.count() == 1
        assert connection.vendor == "postgresql"


class TestCancel:
    def test_a_client_can_cancel_before_the_cutoff_and_the_slot_is_free_again(self, clinic):
        appointment = book(clinic).appointment
        cancelled = booking_cancel(appointment=appointment, reason="ill")
        assert cancelled.status == AppointmentStatus.CANCELLED
        assert book(clinic).appointment.pk != appointment.pk
        event = cancelled.events.get(kind=AppointmentEvent.Kind.CANCELLED)
        assert (event.actor, event.staff_override, event.details) == (
            None,
            False,
            {"reason": "ill"},
        )

    def test_a_client_cannot_cancel_inside_24_hours(self, clinic):
        appointment = book(clinic).appointment
        late = appointment.start - dt.timedelta(hours=23)
        with pytest.raises(BookingError) as error:
            booking_cancel(appointment=appointment, now=late)
        assert error.value.code == services.TOO_LATE_TO_CHANGE
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    def test_staff_may_cancel_late_and_the_override_is_recorded(self, clinic, staff_without_role):
        appointment = book(clinic).appointment
        late = appointment.start - dt.timedelta(hours=2)
        booking_cancel(
            appointment=appointment, actor=staff_without_role, now=late, reason="therapist ill"
        )
        event = appointment.events.get(kind=AppointmentEvent.Kind.CANCELLED)
        assert (event.actor, event.staff_override) == (staff_without_role, True)

    def test_a_cancelled_or_completed_booking_cannot_be_cancelled(self, clinic, staff_without_role):
        appointment = book(clinic).appointment
        booking_cancel(appointment=appointment)
        with pytest.raises(BookingError) as error:
            booking_cancel(appointment=appointment, actor=staff_without_role)
        assert error.value.code == services.NOT_CHANGEABLE


class TestReschedule:
    def test_it_moves_the_booking_and_records_both_times(self, clinic):
        appointment = book(clinic).appointment
        new_start = local_time(4, 14)
        moved = booking_reschedule(appointment=appointment, start=new_start)
        assert moved.start == new_start and moved.end == new_start + dt.timedelta(hours=1)
        event = moved.events.get(kind=AppointmentEvent.Kind.RESCHEDULED)
        assert event.details["old"]["start"] == appointment.start.isoformat()

    def test_it_may_overlap_its_own_old_time(self, clinic):
        appointment = book(clinic).appointment
        moved = booking_reschedule(
            appointment=appointment, start=appointment.start + dt.timedelta(minutes=15)
        )
        assert moved.start == appointment.start + dt.timedelta(minutes=15)

    def test_a_failed_move_keeps_the_old_time(self, clinic):
        mine = book(clinic, start=local_time(3, 10)).appointment
        book(clinic, start=local_time(3, 13))
        with pytest.raises(BookingError) as error:
            booking_reschedule(appointment=mine, start=local_time(3, 13))
        assert error.value.code == services.TAKEN
        mine.refresh_from_db()
        assert mine.start == local_time(3, 10)
        assert not mine.events.filter(kind=AppointmentEvent.Kind.RESCHEDULED).exists()

    def test_it_can_move_to_another_therapist(self, clinic):
        appointment = book(clinic).appointment
        other = clinic.therapists[1]
        moved = booking_reschedule(
            appointment=appointment, start=appointment.start, therapist=other
        )
        assert moved.therapist == other

    def test_clients_cannot_move_inside_24_hours_but_staff_can(self, clinic, staff_without_role):
        appointment = book(clinic).appointment
        late = appointment.start - dt.timedelta(hours=5)
        with pytest.raises(BookingError) as error:
            booking_reschedule(appointment=appointment, start=local_time(5, 10), now=late)
        assert error.value.code == services.TOO_LATE_TO_CHANGE
        moved = booking_reschedule(
            appointment=appointment, start=local_time(5, 10), actor=staff_without_role, now=late
        )
        assert moved.events.get(kind="rescheduled").staff_override
