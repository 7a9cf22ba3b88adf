"""The therapist's private calendar feed: valid iCalendar, their sessions only, no health data."""

import datetime as dt

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from health.screening import clear_answers
from portal import feeds
from tests.bookings.clinic import local_time
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRETS = {
    "other_conditions": "SECRET-CONDITION",
    "avoid_areas": "SECRET-AREA",
    "back_pain_now": "mild",
}


def book(therapist, start, *, client=None, **kwargs) -> Appointment:
    intake = IntakeFactory(
        answers=clear_answers(**SECRETS),
        outcome="light_pressure",
        reasons=["Because you have mild back pain now, your therapist will use light pressure"],
        effective_pressure="light",
    )
    return AppointmentFactory(
        therapist=therapist,
        start=start,
        client=client or ClientFactory(name="Ada Lovelace", email="ada@example.com"),
        intake=intake,
        **kwargs,
    )


def feed_url_for(therapist) -> str:
    token = therapist.new_calendar_token()
    therapist.save()
    return reverse("therapists:calendar_feed", args=[token])


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def summaries(calendar: icalendar.Calendar) -> list[str]:
    return [str(event["summary"]) for event in calendar.walk("VEVENT")]


class TestTheFeed:
    def test_it_is_valid_icalendar_with_the_sessions_in_utc(self, client, alice):
        appointment = book(alice, local_time(2, 10, 30))
        calendar = parse(client.get(feed_url_for(alice)))
        assert calendar["version"] == "2.0"
        [event] = calendar.walk("VEVENT")
        assert "TZID" not in event["dtstart"].params
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start.utcoffset() == dt.timedelta(0)
        assert start == appointment.start and end == appointment.end
        assert timezone.localtime(start).replace(tzinfo=None) == dt.datetime.combine(
            local_time(2, 0).date(), dt.time(10, 30)
        )
        assert str(calendar["x-wr-timezone"]) == settings.CLINIC_TIME_ZONE
        assert str(event["summary"]) == (
            f"{appointment.service.name} — Ada L. ({appointment.room.name})"
        )
        assert str(event["uid"]) == f"{appointment.reference}.therapist@ashiatsu-clinic"
        assert str(event["status"]) == "CONFIRMED"

    def test_it_contains_no_intake_data_and_no_contact_details(self, client, alice):
        book(alice, local_time(2, 10))
        raw = client.get(feed_url_for(alice)).content.decode()
        for secret in (
            "SECRET-CONDITION",
            "SECRET-AREA",
            "back pain",
            "Light pressure",
            "light_pressure",
            "Lovelace",
            "ada@example.com",
            "555",
        ):
            assert secret not in raw, secret

    def test_it_lists_30_days_back_to_60_ahead_without_cancelled_or_other_therapists(
        self, client, alice, bob
    ):
        def named(name, days, **kwargs):
            return book(alice, local_time(days, 10), client=ClientFactory(name=name), **kwargs)

        named("Too Old", -31)
        named("Recent Past", -29, status=AppointmentStatus.COMPLETED)
        named("Pending Pat", 1, status=AppointmentStatus.PENDING_REVIEW)
        named("Far Ahead", 59)
        named("Too Far", 61)
        named("Cancelled Cas", 2, status=AppointmentStatus.CANCELLED)
        book(bob, local_time(2, 10), client=ClientFactory(name="Bobs Client"))
        calendar = parse(client.get(feed_url_for(alice)))
        assert [s.split(" — ")[1].split(" (")[0] for s in summaries(calendar)] == [
            "Recent P.",
            "Pending P.",
            "Far A.",
        ]
        statuses = [str(e["status"]) for e in calendar.walk("VEVENT")]
        assert statuses == ["CONFIRMED", "TENTATIVE", "CONFIRMED"]

    def test_an_empty_feed_is_still_valid(self, client, alice):
        calendar = parse(client.get(feed_url_for(alice)))
        assert calendar.walk("VEVENT") == []

    def test_it_needs_no_login_and_is_not_cached(self, client, alice):
        response = client.get(feed_url_for(alice))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    def test_a_wrong_token_is_404(self, client, alice):
        feed_url_for(alice)
        url = reverse("therapists:calendar_feed", args=["x" * 43])
        assert client.get(url).status_code == 404

    def test_a_therapist_without_a_feed_has_none(self, client, alice):
        # The empty hash must never match anything, not even an empty-looking token.
        assert alice.calendar_token_hash == ""
        assert feeds.therapist_for_token("") is None
        assert client.get("/therapist/calendar/.ics").status_code == 404

    def test_a_revoked_token_is_404(self, client, alice):
        url = feed_url_for(alice)
        alice.revoke_calendar_token()
        alice.save()
        assert client.get(url).status_code == 404

    def test_a_new_token_replaces_the_old_one(self, client, alice):
        old = feed_url_for(alice)
        new = feed_url_for(alice)
        assert client.get(old).status_code == 404
        assert client.get(new).status_code == 200

    def test_an_inactive_therapists_feed_stops(self, client, alice):
        url = feed_url_for(alice)
        alice.active = False
        alice.save()
        assert client.get(url).status_code == 404

    def test_each_therapist_sees_only_their_own_sessions(self, client, alice, bob):
        book(alice, local_time(2, 10), client=ClientFactory(name="Alices Client"))
        book(bob, local_time(2, 10), client=ClientFactory(name="Bobs Client"))
        assert summaries(parse(client.get(feed_url_for(bob))))[0].endswith(
            "Bobs C. (" + Appointment.objects.get(therapist=bob).room.name + ")"
        )
        assert len(summaries(parse(client.get(feed_url_for(bob))))) == 1


class TestTheFeedPage:
    def test_creating_a_link_shows_it_once(self, client, alice):
        client.force_login(alice.user)
        page = reverse("therapists:calendar")
        assert "Create my calendar link" in client.get(page).content.decode()
        response = client.post(reverse("therapists:calendar_reset"))
        assert response.status_code == 302 and response["Location"] == page
        shown = client.get(page).context["feed_url"]
        assert shown.startswith("http://testserver/therapist/calendar/")
        assert client.get(shown).status_code == 200
        # Only a hash is kept: the next visit cannot show the link again.
        again = client.get(page)
        assert again.context["feed_url"] == ""
        assert "Make a new link" in again.content.decode()

    def test_resetting_gives_a_new_link_and_kills_the_old(self, client, alice):
        client.force_login(alice.user)
        page = reverse("therapists:calendar")
        client.post(reverse("therapists:calendar_reset"))
        first = client.get(page).context["feed_url"]
        client.post(reverse("therapists:calendar_reset"))
        second = client.get(page).context["feed_url"]
        assert first != second
        assert client.get(first).status_code == 404
        assert client.get(second).status_code == 200

    def test_revoking_turns_the_feed_off(self, client, alice):
        client.force_login(alice.user)
        client.post(reverse("therapists:calendar_reset"))
        url = client.get(reverse("therapists:calendar")).context["feed_url"]
        response = client.post(reverse("therapists:calendar_revoke"), follow=True)
        assert "revoked" in response.content.decode()
        assert client.get(url).status_code == 404
        alice.refresh_from_db()
        assert alice.calendar_token_hash == ""

    def test_another_therapist_resetting_their_feed_leaves_mine_alone(self, client, alice, bob):
        url = feed_url_for(alice)
        client.force_login(bob.user)
        client.post(reverse("therapists:calendar_reset"))
        client.post(reverse("therapists:calendar_revoke"))
        assert client.get(url).status_code == 200

    def test_staff_cannot_make_a_feed(self, client, alice):
        client.force_login(UserFactory(is_staff=True))
        assert client.post(reverse("therapists:calendar_reset")).status_code == 404
        assert client.get(reverse("therapists:calendar")).status_code == 404


def test_short_name_keeps_the_first_name_and_an_initial():
    assert feeds.short_name("Ada King Lovelace") == "Ada L."
    assert feeds.short_name("Cher") == "Cher"
    assert feeds.short_name("  ") == "Client"


def test_the_window_is_measured_from_now(alice):
    now = timezone.now()
    inside = book(alice, now - dt.timedelta(days=29))
    assert feeds.feed_appointments(alice, now) == [inside]


@pytest.mark.parametrize("sessions", [1, 8])
def test_the_feed_query_count_does_not_grow(client, alice, sessions, django_assert_num_queries):
    for index in range(sessions):
        book(alice, local_time(1 + index, 10))
    url = feed_url_for(alice)
    # 1 the therapist by token hash, 2 the window's appointments with client, service, room.
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
