"""Delivery-status callbacks and numbers Twilio refuses, with the Twilio-compatible server
calling the clinic's live webhooks (real HTTP, real signatures)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client as BrowserClient

from clients.models import Client
from outbox.models import EmailStatus
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.texts.conftest import MOBILE_E164
from tests.texts.test_booking_texts import book
from texts.models import Number, Text
from texts.reminders import texts_remind_due


@pytest.fixture
def live_texts(texts_on, live_server, settings):
    settings.SITE_URL = live_server.url
    return texts_on


@pytest.mark.django_db(transaction=True)
def test_status_callbacks_are_recorded_and_never_go_backwards(clinic, live_texts):
    assert book(BrowserClient(), clinic, start=local_time(3, 10)).status_code == 201
    emails_deliver_due()
    [message] = live_texts.messages
    assert live_texts.status(message, "sent") == 204
    assert live_texts.status(message, "queued") == 204  # late and out of order
    assert Text.objects.get(kind="confirmed").status == "sent"
    assert live_texts.status(message, "delivered") == 204
    assert live_texts.status(message, "sent") == 204  # late and out of order
    text = Text.objects.get(kind="confirmed")
    assert text.status == "delivered" and text.status_at


@pytest.mark.django_db(transaction=True)
def test_a_forged_status_callback_is_refused(clinic, live_texts):
    book(BrowserClient(), clinic, start=local_time(3, 10))
    emails_deliver_due()
    [message] = live_texts.messages
    url = message["status_callback"]
    params = {"MessageSid": message["sid"], "MessageStatus": "failed", "ErrorCode": "30003"}
    assert live_texts.signed_post(url, params, signature="forged") == 403
    assert Text.objects.get(kind="confirmed").status == "queued"
    assert not Number.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_permanent_delivery_failure_stops_texting_the_number(clinic, live_texts):
    start = local_time(3, 10)
    book(BrowserClient(), clinic, start=start)
    emails_deliver_due()
    [message] = live_texts.messages
    assert live_texts.status(message, "undelivered", error_code=30006) == 204
    number = Number.objects.get(number=MOBILE_E164)
    assert number.failed_code == "30006" and "landline" in number.blocked_reason
    with time_machine.travel(start - dt.timedelta(hours=20)):  # no reminder for it
        assert texts_remind_due() == 0


def test_a_number_twilio_refuses_for_good_is_moot_and_blocked(db, clinic, texts_on, client):
    texts_on.refuse(MOBILE_E164, 21610)
    book(client, clinic, start=local_time(3, 10))
    emails_deliver_due()
    text = Text.objects.get(kind="confirmed")
    assert text.email.status == EmailStatus.MOOT
    assert "unsubscribed" in text.email.reason
    assert Number.objects.get(number=MOBILE_E164).failed_code == "21610"
    assert Client.objects.get().texts.wants_texts  # the choice stays; the number is blocked


def test_a_server_that_is_down_is_retried_not_given_up(db, clinic, texts_on, client):
    texts_on.down()
    book(client, clinic, start=local_time(3, 10))
    emails_deliver_due()
    text = Text.objects.get(kind="confirmed")
    assert text.email.status == EmailStatus.PENDING and text.email.attempts == 1
    assert "Connection" in text.email.last_error or "connect" in text.email.last_error.lower()
