"""Texts beside the client e-mails that bookings already queues: a cancellation made on
the manage link, the deposit link of a held booking."""

import pytest

from bookings.models import AppointmentStatus
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory
from tests.texts.conftest import MOBILE_E164
from tests.texts.test_booking_texts import book
from texts import services
from texts.models import ClientTexts

pytestmark = pytest.mark.django_db


def test_a_cancellation_on_the_manage_link_is_texted_too(client, clinic, texts_on):
    booked = book(client, clinic, start=local_time(3, 11)).json()
    reference, token = booked["reference"], booked["manage_url"].rstrip("/").rsplit("/", 1)[1]
    answer = client.post(
        f"/api/bookings/{reference}/cancel", {"token": token}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    emails_deliver_due()
    bodies = [m["body"] for m in texts_on.messages]
    assert len(bodies) == 2 and "is cancelled" in bodies[1]
    assert "/book/" in bodies[1]


def test_the_deposit_text_links_to_the_deposit_page(texts_on):
    appointment = AppointmentFactory(status=AppointmentStatus.AWAITING_DEPOSIT)
    ClientTexts.objects.create(
        client=appointment.client, number=MOBILE_E164, wants_texts=True, typed=MOBILE_E164
    )
    number = services.number_for(appointment.client)
    services.text_queue(kind="deposit", number=number, appointment=appointment)
    emails_deliver_due()
    [message] = texts_on.messages
    assert f"/pay/{appointment.reference}/{appointment.pay_token}/" in message["body"]
    assert "Pay the deposit to confirm" in message["body"]
