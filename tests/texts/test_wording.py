"""What the texts say and what they cost: Spanish for Spanish clients, one segment for the
reminder in both languages, the zone on the ambiguous autumn hour, quiet hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from outbox.models import Email
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.texts.conftest import reply
from tests.texts.test_booking_texts import book
from texts import services, wording
from texts.models import Text
from texts.reminders import texts_remind_due

NEW_YORK = ZoneInfo("America/New_York")
SHORT_LINK = "https://ashiatsu-clinic.example/m/k7mq2xpd"


class TestSegments:
    def test_gsm7_counts_160_per_segment_then_153(self):
        assert wording.segments("a" * 160) == 1
        assert wording.segments("a" * 161) == 2
        assert wording.segments("a" * 306) == 2
        assert wording.segments("€" * 80) == 1  # two septets each: 160
        assert wording.segments("€" * 81) == 2

    def test_one_character_outside_gsm7_makes_it_ucs2_70_then_67(self):
        assert wording.segments("ó" + "a" * 69) == 1
        assert wording.segments("ó" + "a" * 70) == 2
        assert wording.segments("ó" + "a" * 133) == 2

    def test_folding_keeps_gsm7_letters_and_drops_other_accents(self):
        assert wording.fold("sesión sábado mañana ¿qué?") == "sesion sabado mañana ¿qué?"
        assert wording.gsm7(wording.fold("sesión sábado mañana ¿qué?"))

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_the_reminder_is_one_segment_in_both_languages(self, db, language):
        # The longest day and time: a Wednesday in September, 12:30, in either language.
        start = dt.datetime(2026, 9, 30, 12, 30, tzinfo=NEW_YORK)
        with translation.override(language):
            text = wording.body("reminder", start=start, link=SHORT_LINK)
        assert wording.gsm7(text), text
        assert wording.segments(text) == 1, (len(text), text)
        if language == "es":
            assert "recordamos" in text and "responda C (confirmar) o X (cancelar)" in text
        print(f"\n{language}: {len(text)} GSM-7 characters, 1 segment: {text}")


class TestTimes:
    def test_the_ambiguous_autumn_hour_carries_its_zone(self, db):
        first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)  # EDT
        second = first.astimezone(dt.UTC) + dt.timedelta(hours=1)  # the same wall time, EST
        with translation.override("en"):
            assert "1:30 AM EDT" in wording.body("reminder", start=first, link=SHORT_LINK)
            assert "1:30 AM EST" in wording.body("reminder", start=second, link=SHORT_LINK)
            plain = dt.datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK)
            assert "10:00 AM," not in wording.body("reminder", start=plain, link="x")
            assert "Mon Nov 2, 10:00 AM." in wording.body("reminder", start=plain, link="x")

    def test_quiet_hours_are_21_to_8_clinic_time(self):
        at = lambda h, m=0: dt.datetime(2026, 12, 8, h, m, tzinfo=NEW_YORK)  # noqa: E731
        assert services.quiet_until(at(20, 59)) is None
        assert services.quiet_until(at(21)) == at(8) + dt.timedelta(days=1)
        assert services.quiet_until(at(3)) == at(8)
        assert services.quiet_until(at(8)) is None


pytestmark = pytest.mark.django_db


def test_spanish_clients_get_spanish_texts(client, clinic, texts_on):
    assert book(client, clinic, start=local_time(3, 10), language="es").status_code == 201
    emails_deliver_due()
    [message] = texts_on.messages
    assert message["body"].startswith("Ashiatsu Clinic: su cita es el ")
    assert "p.m.." not in message["body"] and "a.m.." not in message["body"]
    assert "10:00 a" in message["body"]
    assert wording.gsm7(message["body"])


def test_a_reminder_due_at_night_waits_for_the_morning(client, clinic, texts_on):
    start = local_time(3, 10)
    book(client, clinic, start=start)
    emails_deliver_due()
    evening = (start - dt.timedelta(days=1)).replace(hour=22)  # 12 h before: due, but quiet
    with time_machine.travel(evening):
        assert texts_remind_due() == 1
        emails_deliver_due()
    assert not [m for m in texts_on.messages if "reminder" in m["body"]]
    reminder = Text.objects.get(kind="reminder").email
    assert timezone.localtime(reminder.next_attempt_at).hour == 8
    with time_machine.travel(evening.replace(hour=7, minute=59) + dt.timedelta(days=1)):
        emails_deliver_due()
    assert not [m for m in texts_on.messages if "reminder" in m["body"]]
    with time_machine.travel(evening.replace(hour=8, minute=1) + dt.timedelta(days=1)):
        emails_deliver_due()
    assert len([m for m in texts_on.messages if "reminder" in m["body"]]) == 1


def test_an_answer_to_what_the_client_just_did_goes_at_night_too(client, clinic, texts_on):
    start = local_time(3, 10)
    book(client, clinic, start=start)
    with time_machine.travel((start - dt.timedelta(days=1)).replace(hour=23)):
        reply(client, "C", sid="SMnight")
        emails_deliver_due()
    assert "thank you" in texts_on.messages[-1]["body"]
    assert Email.objects.filter(kind="text_attending", status="sent").exists()
