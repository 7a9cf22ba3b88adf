"""Status changes, intake review and session notes: rules, history, e-mail."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bookings import booking_changes, services
from bookings.intake_review import intake_approve, intake_decline
from bookings.models import AppointmentStatus, SessionNote
from bookings.services import BookingError, ClientDetails, booking_create
from bookings.session_status import appointment_set_status, session_note_add
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import ClearanceFactory

pytestmark = pytest.mark.django_db


def _book(clinic, **answers):
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(3, 10),
        client=ClientDetails("Ada", "ada@example.com", "+1 212 555 0199"),
        answers=clear_answers(**answers),
    ).appointment


class TestStatus:
    def test_a_started_session_can_be_completed_and_it_is_recorded(
        self, clinic, staff_without_role
    ):
        appointment = _book(clinic)
        done = appointment_set_status(
            appointment=appointment,
            status=AppointmentStatus.COMPLETED,
            actor=staff_without_role,
            now=appointment.start + dt.timedelta(minutes=50),
        )
        assert done.status == AppointmentStatus.COMPLETED
        event = done.events.get(kind="status")
        assert (event.actor, event.details) == (
            staff_without_role,
            {"old": "confirmed", "new": "completed"},
        )

    def test_a_future_session_cannot_be_completed_or_no_show(self, clinic, staff_without_role):
        appointment = _book(clinic)
        for status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
            with pytest.raises(BookingError) as error:
                appointment_set_status(
                    appointment=appointment, status=status, actor=staff_without_role
                )
            assert "not started" in error.value.message

    def test_check_in_is_on_the_day_then_complete(self, clinic, staff_without_role):
        appointment = _book(clinic)
        with pytest.raises(BookingError):
            appointment_set_status(
                appointment=appointment, status="checked_in", actor=staff_without_role,
                now=appointment.start - dt.timedelta(days=1),
            )  # fmt: skip
        morning = appointment.start - dt.timedelta(minutes=20)
        appointment_set_status(
            appointment=appointment, status="checked_in", actor=staff_without_role, now=morning
        )
        appointment_set_status(
            appointment=appointment, status="completed", actor=staff_without_role,
            now=appointment.start + dt.timedelta(hours=1),
        )  # fmt: skip

    @pytest.mark.parametrize("status", ["cancelled", "pending_review", "confirmed", "nonsense"])
    def test_other_statuses_cannot_be_set_this_way(self, clinic, staff_without_role, status):
        with pytest.raises(BookingError) as error:
            appointment_set_status(
                appointment=_book(clinic), status=status, actor=staff_without_role
            )
        assert error.value.code == services.INVALID_REQUEST

    def test_a_cancelled_booking_cannot_be_completed(self, clinic, staff_without_role):
        appointment = _book(clinic)
        booking_changes.booking_cancel(appointment=appointment)
        with pytest.raises(BookingError) as error:
            appointment_set_status(
                appointment=appointment, status="completed", actor=staff_without_role,
                now=appointment.start + dt.timedelta(hours=2),
            )  # fmt: skip
        assert error.value.code == services.NOT_CHANGEABLE


class TestReview:
    def test_approving_confirms_and_tells_the_client(
        self, clinic, staff_without_role, django_capture_on_commit_callbacks
    ):
        appointment = _book(clinic, disc_condition=True)
        ClearanceFactory(client=appointment.client)
        with django_capture_on_commit_callbacks(execute=True):
            approved = intake_approve(
                appointment=appointment, actor=staff_without_role, note="Cleared by Dr Lee."
            )
        assert approved.status == AppointmentStatus.CONFIRMED
        (message,) = mail.outbox
        assert "confirmed" in message.subject and "Cleared by Dr Lee." in message.body
        assert message.attachments[0][2] == "text/calendar"

    def test_declining_cancels_frees_the_slot_and_tells_the_client_why(
        self, clinic, staff_without_role, django_capture_on_commit_callbacks
    ):
        appointment = _book(clinic, implant=True)
        with django_capture_on_commit_callbacks(execute=True):
            declined = intake_decline(
                appointment=appointment, actor=staff_without_role, note="Your stimulator."
            )
        assert declined.status == AppointmentStatus.CANCELLED
        assert "Your stimulator." in mail.outbox[0].body
        assert "+1 212 555 0142" in mail.outbox[0].body
        assert _book(clinic).pk  # the time is free again
        event = declined.events.get(kind="cancelled")
        assert event.details["review"] == "declined" and event.actor == staff_without_role

    def test_only_pending_bookings_can_be_reviewed(self, clinic, staff_without_role):
        with pytest.raises(BookingError):
            intake_approve(appointment=_book(clinic), actor=staff_without_role)


class TestNotes:
    def test_a_note_is_kept_with_the_appointment_and_its_history(self, clinic):
        appointment = _book(clinic)
        therapist_user = clinic.therapists[0].user
        note = session_note_add(
            appointment=appointment,
            author=therapist_user,
            work_done="Long strokes, lower back avoided",
            pressure_used="medium",
            client_response="Relaxed",
        )
        assert SessionNote.objects.get() == note
        assert appointment.events.filter(kind="note", actor=therapist_user).exists()

    @pytest.mark.parametrize(
        ("work_done", "pressure"), [("", "medium"), ("ok", "extreme"), ("x" * 2001, "light")]
    )
    def test_a_bad_note_is_refused_and_nothing_is_saved(self, clinic, work_done, pressure):
        appointment = _book(clinic)
        with pytest.raises(ValidationError):
            session_note_add(
                appointment=appointment, author=None, work_done=work_done, pressure_used=pressure
            )
        assert not SessionNote.objects.exists()
        assert not appointment.events.filter(kind="note").exists()
