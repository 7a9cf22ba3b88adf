"""Erasure and export cover what texts keep."""

import pytest

from bookings.privacy import client_erase, client_export
from outbox.models import Email
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from tests.texts.conftest import reply
from tests.texts.test_booking_texts import book
from texts.models import ClientTexts, Inbound, Text

pytestmark = pytest.mark.django_db


def test_export_then_erasure(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    emails_deliver_due()
    reply(client, "Running late, sorry", sid="SMp1")
    manager = UserFactory(username="manager", is_staff=True, is_superuser=True)
    exported = client_export(email="ada@example.com", user=manager)["texts"]
    assert exported["choices"][0]["texts"] is True
    assert "Reply STOP" in exported["choices"][0]["wording"]
    assert exported["sent"][0]["kind"] == "confirmed"
    assert exported["received"][0]["body"] == "Running late, sorry"
    client_erase(email="ada@example.com", user=manager)
    assert not ClientTexts.objects.exists() and not Inbound.objects.exists()
    assert not Text.objects.exclude(body="").exists()
    assert not Email.objects.filter(kind__startswith="text_").exclude(recipients="").exists()
