"""A booking made through the API with texts chosen: the confirmation, the reminder, the
client's replies (C, X, STOP, START, R, free text), all through the Twilio-compatible
server and the outbox."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from health.screening import clear_answers
from outbox.models import Email, EmailStatus
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.texts.conftest import MOBILE, MOBILE_E164, reply
from texts.models import Attendance, ClientTexts, Inbound, ServiceTexts, Text
from texts.reminders import texts_remind_due

pytestmark = pytest.mark.django_db


def book(client, clinic, *, start, phone=MOBILE, texts=True, language="en"):
    payload = {
        "service": clinic.bar_60.slug,
        "therapist": "any",
        "start": start.isoformat(),
        "client": {
            "name": "Ada Client",
            "email": "ada@example.com",
            "phone": phone,
            "texts": texts,
        },
        "intake": clear_answers(),
    }
    return client.post(
        "/api/bookings", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


def worker_round(now=None) -> int:
    """What the mail worker does next: send every due outbox row."""
    return emails_deliver_due(now=now)


def test_an_api_booking_with_texts_sends_one_confirmation_text(client, clinic, texts_on):
    start = local_time(3, 10)
    response = book(client, clinic, start=start)
    assert response.status_code == 201, response.content
    assert not texts_on.messages  # queued in the booking's transaction, not yet sent
    worker_round()
    [message] = texts_on.messages
    assert message["to"] == MOBILE_E164
    assert message["body"].startswith("Ashiatsu Clinic: ")
    assert "10:00 AM" in message["body"]
    assert f"{start:%b} {start.day}" in message["body"]
    assert "/m/" in message["body"]
    text = Text.objects.get(kind="confirmed")
    assert text.sid == message["sid"] and text.email.status == EmailStatus.SENT
    state = ClientTexts.objects.get()
    assert state.wants_texts and str(state.number) == MOBILE_E164
    assert "Reply STOP" in state.consent_wording and state.consent_at
    worker_round()
    assert len(texts_on.messages) == 1


def test_the_short_link_leads_to_the_manage_page(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 10))
    worker_round()
    link = texts_on.messages[0]["body"].rsplit(" ", 1)[-1]
    path = link.removeprefix("http://testserver")
    assert len(path) <= 12  # "/m/" and an 8-character code
    response = client.get(path)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/manage/{appointment.reference}/")
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/m/nosuchco").status_code == 404


def test_without_texts_chosen_no_text_goes(client, clinic, texts_on):
    assert book(client, clinic, start=local_time(3, 10), texts=False).status_code == 201
    worker_round()
    assert not texts_on.messages
    assert Email.objects.filter(kind="confirmed").exists()


def test_a_number_that_cannot_receive_texts_is_a_422_naming_the_field(client, clinic, texts_on):
    response = book(client, clinic, start=local_time(3, 10), phone="+44 20 7946 0958")
    assert response.status_code == 422
    assert "cannot receive texts" in response.json()["errors"]["client.phone"]
    assert not Appointment.objects.exists()


def test_with_texts_off_nothing_changes(client, clinic, twilio):
    assert book(client, clinic, start=local_time(3, 10)).status_code == 201
    worker_round()
    assert not twilio.messages and not Text.objects.exists()


def test_the_reminder_goes_once_across_three_sweeps(client, clinic, texts_on):
    start = local_time(3, 11)
    book(client, clinic, start=start)
    worker_round()
    day_before = start - dt.timedelta(hours=23)
    with time_machine.travel(day_before.replace(hour=10) if day_before.hour < 9 else day_before):
        now = timezone.now()
        assert texts_remind_due(now=now - dt.timedelta(hours=2)) == 0  # not due yet
        queued = [texts_remind_due(now=now) for _ in range(3)]
        worker_round()
    assert queued == [1, 0, 0]
    reminders = [m for m in texts_on.messages if "reminder" in m["body"]]
    assert len(reminders) == 1
    assert "Reply C to confirm, X to cancel" in reminders[0]["body"]


def test_c_confirms_attendance(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    assert reply(client, "c ", sid="SM1").status_code == 200
    appointment = Appointment.objects.get()
    assert Attendance.objects.get(appointment=appointment).confirmed_at
    worker_round()
    assert "thank you" in texts_on.messages[-1]["body"]


def test_x_inside_the_cut_off_cancels_and_frees_the_slot(client, clinic, texts_on):
    start = local_time(3, 11)
    book(client, clinic, start=start)
    assert reply(client, "X", sid="SM2").status_code == 200
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    worker_round()
    assert "cancelled" in texts_on.messages[-1]["body"]
    assert book(client, clinic, start=start).status_code == 201  # the slot is free again


def test_x_past_the_cut_off_explains_the_policy(client, clinic, texts_on, settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 24 * 7
    book(client, clinic, start=local_time(3, 11))
    reply(client, "X", sid="SM3")
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED
    assert Inbound.objects.get().action == Inbound.Action.CANCEL_REFUSED
    worker_round()
    assert "168 h cut-off" in texts_on.messages[-1]["body"]


def test_stop_stops_the_next_reminder_and_start_resumes(client, clinic, texts_on):
    start = local_time(3, 11)
    book(client, clinic, start=start)
    worker_round()
    with time_machine.travel(start - dt.timedelta(hours=20)):
        assert texts_remind_due() == 1  # queued; the client replies STOP before it goes
        reply(client, "STOP", sid="SM4")
        worker_round()
    bodies = [m["body"] for m in texts_on.messages]
    assert not [b for b in bodies if "reminder" in b]
    assert "no more texts" in bodies[-1]  # the one answer to STOP
    reminder = Text.objects.get(kind="reminder")
    assert reminder.email.status == EmailStatus.MOOT
    assert "STOP" in reminder.email.reason
    reply(client, "START", sid="SM5")
    worker_round()
    assert "texts are back on" in texts_on.messages[-1]["body"]
    assert str(ClientTexts.objects.get().number) == MOBILE_E164


def test_stopped_numbers_get_no_reminder_queued(client, clinic, texts_on):
    start = local_time(3, 11)
    book(client, clinic, start=start)
    reply(client, "stop", sid="SM11")
    with time_machine.travel(start - dt.timedelta(hours=20)):
        assert texts_remind_due() == 0


def test_r_sends_the_manage_link(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    reply(client, "r", sid="SM6")
    worker_round()
    assert "/m/" in texts_on.messages[-1]["body"]


def test_anything_else_goes_to_the_front_desk(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    reply(client, "Can I bring my own towel?", sid="SM7")
    inbound = Inbound.objects.get()
    assert inbound.action == Inbound.Action.INBOX and inbound.handled_at is None
    assert inbound.client == Appointment.objects.get().client


def test_a_forged_request_is_refused_and_changes_nothing(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    assert reply(client, "X", sid="SM8", token="not-the-token").status_code == 403
    params = {"MessageSid": "SM9", "From": MOBILE_E164, "Body": "X"}
    assert client.post("/texts/twilio/inbound/", params).status_code == 403
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED
    assert not Inbound.objects.exists()


def test_a_replayed_message_acts_once(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    assert reply(client, "C", sid="SM10").status_code == 200
    assert reply(client, "C", sid="SM10").status_code == 200
    assert Inbound.objects.count() == 1
    assert Text.objects.filter(kind="attending").count() == 1


def test_a_second_reminder_goes_two_hours_before_for_services_that_want_one(
    client, clinic, texts_on
):
    ServiceTexts.objects.create(service=clinic.bar_60, reminder_hours=48, second_reminder=True)
    start = local_time(3, 11)
    book(client, clinic, start=start)
    with time_machine.travel(start - dt.timedelta(hours=47)):
        assert texts_remind_due() == 1
        assert texts_remind_due() == 0
    with time_machine.travel(start - dt.timedelta(hours=5)):
        assert texts_remind_due() == 0
    with time_machine.travel(start - dt.timedelta(hours=1, minutes=59)):
        assert texts_remind_due() == 1
        assert texts_remind_due() == 0
        worker_round()
    assert len([m for m in texts_on.messages if "reminder" in m["body"]]) == 2


def test_a_session_booked_inside_the_lead_time_gets_no_first_reminder(client, clinic, texts_on):
    start = local_time(3, 14)
    assert book(client, clinic, start=start).status_code == 201
    Appointment.objects.update(created_at=start - dt.timedelta(hours=10))  # booked late
    with time_machine.travel(start - dt.timedelta(hours=9)):
        assert texts_remind_due() == 0
