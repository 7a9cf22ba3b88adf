"""Issue 11 item 8: the autumn night the clock goes back (America/New_York, 2027-11-07).

02:00 EDT becomes 01:00 EST, so 01:00-01:59 happens twice. A 60-minute session from 01:30
EDT ends at 01:30 EST. Calendar files carry UTC; people see EDT/EST on the ambiguous hour.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from bookings import notifications
from bookings.ics import appointment_calendar
from bookings.models import Appointment
from tests.factories import AppointmentFactory, ServiceFactory, TherapistFactory
from therapists.clinic_time import is_ambiguous, wall_time

NEW_YORK = ZoneInfo("America/New_York")
# 01:30 EDT (first pass, UTC-4) and 01:45 EST (second pass, UTC-5) that night, as instants.
FIRST_0130 = dt.datetime(2027, 11, 7, 5, 30, tzinfo=dt.UTC)
SECOND_0145 = dt.datetime(2027, 11, 7, 6, 45, tzinfo=dt.UTC)
BEFORE_THE_NIGHT = dt.datetime(2027, 11, 5, 12, 0, tzinfo=dt.UTC)


def test_the_repeated_hour_is_ambiguous_and_other_hours_are_not():
    assert is_ambiguous(FIRST_0130.astimezone(NEW_YORK))
    assert is_ambiguous(SECOND_0145.astimezone(NEW_YORK))
    assert not is_ambiguous(dt.datetime(2027, 11, 7, 15, 0, tzinfo=dt.UTC).astimezone(NEW_YORK))
    assert not is_ambiguous(dt.datetime(2027, 11, 7, 4, 30, tzinfo=dt.UTC).astimezone(NEW_YORK))


def test_wall_time_names_the_offset_only_when_the_time_is_ambiguous():
    assert wall_time(FIRST_0130) == "01:30 EDT"
    assert wall_time(FIRST_0130 + dt.timedelta(hours=1)) == "01:30 EST"
    assert wall_time(SECOND_0145) == "01:45 EST"
    assert wall_time(dt.datetime(2027, 11, 8, 15, 0, tzinfo=dt.UTC)) == "10:00"
    assert wall_time(dt.datetime(2027, 11, 8, 15, 0, tzinfo=dt.UTC), "always") == "10:00 EST"


@pytest.fixture
def night():
    service = ServiceFactory(duration_minutes=60)
    therapist = TherapistFactory(display_name="Alice Walker", slug="alice-walker")
    first = AppointmentFactory(service=service, therapist=therapist, start=FIRST_0130)
    second = AppointmentFactory(service=service, therapist=therapist, start=SECOND_0145)
    return first, second


def _event(content: bytes) -> list:
    return icalendar.Calendar.from_ical(content).walk("VEVENT")


@pytest.mark.django_db
class TestTheAutumnNight:
    def test_the_client_ics_has_distinct_exact_utc_start_and_end(self, night):
        first, second = night
        [event] = _event(appointment_calendar(first))
        assert event.decoded("dtstart") == FIRST_0130
        assert event.decoded("dtend") == FIRST_0130 + dt.timedelta(hours=1)
        assert event.decoded("dtstart") != event.decoded("dtend")
        assert b"DTSTART:20271107T053000Z" in appointment_calendar(first)
        [event] = _event(appointment_calendar(second))
        assert event.decoded("dtstart") == SECOND_0145  # not an hour early (05:45Z)

    def test_the_therapist_feed_writes_utc(self, client, night):
        first, second = night
        therapist = first.therapist
        token = therapist.new_calendar_token()
        therapist.save()
        with time_machine.travel(BEFORE_THE_NIGHT, tick=False):
            response = client.get(reverse("therapists:calendar_feed", args=[token]))
        assert response.status_code == 200
        events = sorted(_event(response.content), key=lambda e: e.decoded("dtstart"))
        assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
            (FIRST_0130, FIRST_0130 + dt.timedelta(hours=1)),
            (SECOND_0145, SECOND_0145 + dt.timedelta(hours=1)),
        ]

    def test_the_email_says_edt_and_est_instead_of_0130_0130(self, night):
        first, _ = night
        appointment = Appointment.objects.select_related(*notifications.APPOINTMENT_RELATED).get(
            pk=first.pk
        )
        message = notifications.build_message(appointment, notifications.CONFIRMED)
        # Client e-mails write the en-US clock like the pages (issue 15).
        assert "Sunday 7 November 2027, 1:30 AM EDT–1:30 AM EST" in message.body
        assert "1:30 AM–1:30 AM" not in message.body
        assert "1:30 AM EDT–1:30 AM EST" in message.alternatives[0][0]

    def test_the_manage_page_shows_the_offset_on_the_ambiguous_hour(self, client, night):
        first, _ = night
        with time_machine.travel(BEFORE_THE_NIGHT, tick=False):
            page = client.get(reverse("bookings:manage", args=[first.reference, "factory-token"]))
        assert page.status_code == 200
        # Client pages write the en-US clock (issue 15); the offsets still tell them apart.
        assert "1:30 AM EDT–1:30 AM EST" in page.content.decode()

    def test_the_therapist_portal_shows_the_offset_on_the_ambiguous_hour(self, client, night):
        first, second = night
        with time_machine.travel(BEFORE_THE_NIGHT, tick=False):
            client.force_login(first.therapist.user)
            page = client.get(reverse("therapists:day", args=["2027-11-07"]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "01:30 EDT</time>–01:30 EST" in text
        assert "01:45 EST</time>–02:45" in text
