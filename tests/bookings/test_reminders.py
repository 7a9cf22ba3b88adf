"""Reminders: one per appointment, moved with it, dropped when it is cancelled."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.intake_review import intake_approve
from bookings.models import Reminder
from bookings.reminders import MOVED, NOT_CONFIRMED, SENT, reminder_schedule, reminders_send_due
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.models import Email, EmailStatus
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import ClearanceFactory, UserFactory
from tests.outbox.backends import BROKEN, LOCMEM

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")
DAY = dt.timedelta(hours=24)


@pytest.fixture(autouse=True)
def _no_reconfirmation(settings):
    """These tests are about the day-before reminder; the "has anything changed?" e-mail
    shares the machinery and has its own tests (tests/bookings/test_reconfirmation.py).
    A lead longer than the horizon schedules none."""
    settings.RECONFIRM_DAYS_BEFORE = 365


def book(clinic, start, **answers):
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=start,
        client=ADA,
        answers={**clear_answers(), **answers},
    ).appointment


def sweep(now):
    mail.outbox.clear()
    count = reminders_send_due(now=now)
    emails_deliver_due(now=now)
    return count, [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_a_booking_promises_one_reminder_a_day_before(clinic):
    appointment = book(clinic, local_time(3, 10))
    (reminder,) = Reminder.objects.all()
    assert reminder.appointment == appointment and reminder.due_at == appointment.start - DAY
    reminder_schedule(appointment=appointment)  # idempotent
    assert Reminder.objects.count() == 1


def test_the_lead_time_is_configurable(clinic, settings):
    settings.REMINDER_LEAD_HOURS = 48
    appointment = book(clinic, local_time(3, 10))
    assert Reminder.objects.get().due_at == appointment.start - dt.timedelta(hours=48)


def test_a_session_moved_inside_the_lead_time_gets_no_reminder(clinic):
    appointment = book(clinic, local_time(3, 10))
    appointment.start = timezone.now() + dt.timedelta(hours=5)
    reminder_schedule(appointment=appointment)  # the "moved" e-mail says it all
    assert not Reminder.objects.exists()


def test_nothing_is_sent_before_it_is_due_and_it_is_sent_once(clinic):
    appointment = book(clinic, local_time(3, 10))
    assert sweep(appointment.start - DAY - dt.timedelta(minutes=1)) == (0, [])
    count, (message,) = sweep(appointment.start - DAY)
    assert count == 1 and message.to == ["ada@example.com"]
    assert sweep(appointment.start - DAY + dt.timedelta(hours=1)) == (0, [])
    assert Reminder.objects.get().outcome == SENT


def test_a_cancelled_appointment_gets_no_reminder(clinic):
    appointment = book(clinic, local_time(3, 10))
    booking_cancel(appointment=appointment)
    assert not Reminder.objects.exists()
    assert sweep(appointment.start - DAY) == (0, [])


def test_a_moved_appointment_is_reminded_for_the_new_time_only(clinic):
    appointment = book(clinic, local_time(3, 10))
    old_due = appointment.start - DAY
    booking_reschedule(appointment=appointment, start=local_time(4, 15))
    assert sweep(old_due) == (0, [])
    count, (message,) = sweep(local_time(4, 15) - DAY)
    assert "3:00 PM" in message.subject


def test_a_reminder_already_sent_goes_again_after_a_move(clinic):
    appointment = book(clinic, local_time(3, 10))
    sweep(appointment.start - DAY)
    booking_reschedule(appointment=appointment, start=local_time(5, 11))
    count, (message,) = sweep(local_time(5, 11) - DAY)
    assert "11:00" in message.subject


def test_a_cancellation_between_sweep_and_send_sends_nothing(clinic):
    appointment = book(clinic, local_time(3, 10))
    assert reminders_send_due(now=appointment.start - DAY) == 1
    booking_cancel(appointment=appointment)
    mail.outbox.clear()
    emails_deliver_due(now=appointment.start - DAY)
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_a_row_pointing_at_an_old_time_is_not_sent(clinic):
    """Belt and braces: even if a move forgot to re-schedule, the old time is not reminded."""
    appointment = book(clinic, local_time(3, 10))
    Reminder.objects.update(appointment_start=appointment.start - dt.timedelta(hours=1))
    assert sweep(appointment.start - DAY) == (0, [])
    assert Reminder.objects.get().outcome == MOVED


def test_a_booking_still_pending_review_gets_no_reminder_until_approved(clinic):
    appointment = book(clinic, local_time(3, 10), disc_condition=True)
    assert sweep(appointment.start - DAY) == (0, [])
    assert Reminder.objects.get().outcome == NOT_CONFIRMED
    staff = UserFactory(username="desk", is_staff=True)
    ClearanceFactory(client=appointment.client)
    intake_approve(appointment=appointment, actor=staff)
    # The approval e-mail carries the details; no late reminder is needed.
    assert sweep(appointment.start - DAY + dt.timedelta(hours=1)) == (0, [])


def test_a_reminder_the_mail_server_could_not_send_in_time_is_moot_with_its_reason(
    clinic, settings
):
    """Retries go on while the reminder matters; once the session begins it is moot (and
    says so in the outbox), never a stale reminder and never a silent drop."""
    appointment = book(clinic, local_time(3, 10))
    due = appointment.start - DAY
    settings.MAILERS = BROKEN
    assert sweep(due) == (1, [])
    reminder = Email.objects.get(kind="reminder")
    assert (reminder.status, reminder.attempts) == (EmailStatus.PENDING, 1)
    settings.MAILERS = LOCMEM  # back, but only after the session began
    assert sweep(appointment.start + dt.timedelta(minutes=1)) == (0, [])
    reminder.refresh_from_db()
    assert reminder.status == EmailStatus.MOOT
    assert reminder.reason == "Its time passed before it could be sent."


def test_a_reminder_for_a_session_cancelled_before_it_went_out_is_moot_with_its_reason(clinic):
    appointment = book(clinic, local_time(3, 10))
    due = appointment.start - DAY
    assert reminders_send_due(now=due) == 1
    booking_cancel(appointment=appointment)
    emails_deliver_due(now=due)
    reminder = Email.objects.get(kind="reminder")
    assert (reminder.status, reminder.reason) == (
        EmailStatus.MOOT, "The session is no longer confirmed.",
    )  # fmt: skip
