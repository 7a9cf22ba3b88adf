"""Every e-mail about a booking: who gets it, its subject, what it says, and its .ics."""

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from bookings import notifications
from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.intake_review import intake_approve, intake_decline
from bookings.reminders import reminders_send_due
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import ClearanceFactory

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a service and deliver the e-mails it queued, as the worker does after commit."""

    def run(action, *args, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def book(send, clinic, start=None, therapist=None, **answers):
    return send(
        booking_create,
        service=clinic.bar_60,
        therapist=therapist or clinic.therapists[0],
        start=start or local_time(3, 10),
        client=ADA,
        answers={**clear_answers(), **answers},
    )


def to(address: str):
    return [m for m in mail.outbox if m.to == [address]]


def calendar_event(message):
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "text/calendar" and name.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, calendar.walk("VEVENT")[0]


def html(message) -> str:
    body, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return body


class TestClientEmails:
    def test_confirmed_has_the_manage_link_and_an_ics_in_utc(self, send, clinic):
        start = local_time(3, 10)
        result = book(send, clinic, start)
        (message,) = to("ada@example.com")
        reference = result.appointment.reference
        assert message.subject == f"Your Ashiatsu session is booked ({reference})"
        assert notifications.manage_url(result.appointment, result.manage_token) in message.body
        assert "Ada Client" in html(message) and "arrive 10 minutes early" in message.body
        calendar, event = calendar_event(message)
        assert str(calendar["method"]) == "PUBLISH"
        assert event.decoded("dtstart") == start and event.decoded("dtend") == start + dt.timedelta(
            hours=1
        )
        assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)
        assert timezone.localtime(event.decoded("dtstart")).hour == 10  # the clinic's wall clock
        assert b"DTSTART:" in calendar.to_ical() and not calendar.walk("VTIMEZONE")
        assert str(event["uid"]) == f"{reference}@ashiatsu-clinic"

    def test_light_pressure_is_said_in_the_confirmation(self, send, clinic):
        book(send, clinic, back_pain_now="mild")
        assert "light pressure only" in to("ada@example.com")[0].body

    def test_pending_review_says_what_happens_next_and_has_no_ics(self, send, clinic):
        result = book(send, clinic, disc_condition=True)
        (message,) = to("ada@example.com")
        assert message.subject.startswith("We have your booking request")
        assert result.appointment.reference in message.subject
        assert "review" in message.body.lower()
        assert message.attachments == []

    def test_approved_carries_the_note_and_an_ics(self, send, clinic, staff_without_role):
        appointment = book(send, clinic, disc_condition=True).appointment
        ClearanceFactory(client=appointment.client)
        send(
            intake_approve,
            appointment=appointment,
            actor=staff_without_role,
            note="Cleared by Dr Lee.",
        )
        (message,) = to("ada@example.com")
        assert message.subject.startswith("Good news: your Ashiatsu session is confirmed")
        assert "Cleared by Dr Lee." in message.body and "Cleared by Dr Lee." in html(message)
        assert calendar_event(message)[1].decoded("dtstart") == appointment.start

    def test_declined_review_explains_and_gives_the_phone(self, send, clinic, staff_without_role):
        appointment = book(send, clinic, implant=True).appointment
        send(
            intake_decline,
            appointment=appointment,
            actor=staff_without_role,
            note="Your stimulator.",
        )
        (message,) = to("ada@example.com")
        assert message.subject == f"About your Ashiatsu booking request ({appointment.reference})"
        assert "Your stimulator." in message.body and "+1 212 555 0142" in message.body

    def test_cancelled_has_a_cancelling_ics(self, send, clinic):
        appointment = book(send, clinic).appointment
        send(booking_cancel, appointment=appointment)
        (message,) = to("ada@example.com")
        assert message.subject == f"Your Ashiatsu session is cancelled ({appointment.reference})"
        calendar, event = calendar_event(message)
        assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"

    def test_rescheduled_has_a_new_ics_with_the_new_time_and_a_higher_sequence(self, send, clinic):
        appointment = book(send, clinic).appointment
        new_start = local_time(4, 14, 30)
        send(booking_reschedule, appointment=appointment, start=new_start)
        (message,) = to("ada@example.com")
        assert message.subject == f"Your Ashiatsu session has moved ({appointment.reference})"
        _, event = calendar_event(message)
        assert event.decoded("dtstart") == new_start
        local = timezone.localtime(event.decoded("dtstart"))
        assert (local.hour, local.minute) == (14, 30)
        assert event["sequence"] == 1
        assert "2:30 PM" in message.body  # the 12-hour clock, like the pages (issue 15)

    def test_the_reminder_names_the_time_and_how_to_change_it(self, clinic, send, settings):
        settings.RECONFIRM_DAYS_BEFORE = 365  # only the reminder (the other is its own test)
        start = local_time(3, 10)
        appointment = book(send, clinic, start).appointment
        mail.outbox.clear()
        due = start - dt.timedelta(hours=24)
        reminders_send_due(now=due)
        emails_deliver_due(now=due)
        (message,) = to("ada@example.com")
        assert message.subject.startswith("Reminder: your Ashiatsu session")
        assert appointment.reference in message.subject and "10:00" in message.subject
        assert "10:00" in message.body and "+1 212 555 0142" in message.body
        assert "10:00" in html(message)


class TestTherapistEmails:
    def test_a_new_booking_tells_the_therapist_with_flags_but_not_the_answers(self, send, clinic):
        therapist = clinic.therapists[0]
        result = book(
            send, clinic, back_pain_now="mild", other_conditions="Old ankle sprain, left side."
        )
        (message,) = to(therapist.user.email)
        appointment = result.appointment
        assert message.subject.startswith("New session ")
        assert appointment.reference in message.subject and clinic.bar_60.name in message.subject
        for text in (message.body, html(message)):
            assert "Ada Client" in text and appointment.room.name in text
            assert "Light pressure only" in text and "Other conditions noted" in text
            assert "Old ankle sprain" not in text  # the answers stay behind the portal
        assert f"/therapist/appointments/{appointment.reference}/" in message.body

    def test_a_booking_held_for_review_says_so_to_the_therapist(self, send, clinic):
        book(send, clinic, disc_condition=True)
        (message,) = to(clinic.therapists[0].user.email)
        assert "held for clinical review" in message.body

    def test_a_move_tells_the_therapist_old_and_new_times(self, send, clinic):
        appointment = book(send, clinic, local_time(3, 10)).appointment
        send(booking_reschedule, appointment=appointment, start=local_time(3, 14))
        (message,) = to(clinic.therapists[0].user.email)
        assert message.subject.startswith("Session moved to ") and "14:00" in message.subject
        assert "10:00" in message.body

    def test_a_move_to_another_therapist_tells_both(self, send, clinic):
        first, second = clinic.therapists
        appointment = book(send, clinic, local_time(3, 10), therapist=first).appointment
        send(booking_reschedule, appointment=appointment, start=local_time(3, 10), therapist=second)
        (gone,) = to(first.user.email)
        (new,) = to(second.user.email)
        assert gone.subject.startswith("Session cancelled") and "10:00" in gone.subject
        assert new.subject.startswith("New session")

    def test_a_cancellation_tells_the_therapist(self, send, clinic):
        appointment = book(send, clinic).appointment
        send(booking_cancel, appointment=appointment)
        (message,) = to(clinic.therapists[0].user.email)
        assert message.subject == (
            f"Session cancelled: {timezone.localtime(appointment.start):%a %d %b %H:%M} "
            f"({appointment.reference})"
        )
        assert "the time is free again" in message.body

    def test_a_declined_review_tells_the_therapist(self, send, clinic, staff_without_role):
        appointment = book(send, clinic, implant=True).appointment
        send(intake_decline, appointment=appointment, actor=staff_without_role)
        assert to(clinic.therapists[0].user.email)[0].subject.startswith("Session cancelled")

    def test_a_therapist_without_an_e_mail_address_is_skipped(self, send, clinic):
        therapist = clinic.therapists[0]
        therapist.user.email = ""
        therapist.user.save()
        book(send, clinic)
        assert [m.to for m in mail.outbox] == [["ada@example.com"]]
