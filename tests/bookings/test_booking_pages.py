"""The booking pages: the whole flow, its outcomes, e-mail, and manage-my-booking."""

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from clients.models import Client
from health.models import Intake
from health.questionnaires import QUESTIONS
from health.screening import clear_answers
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ada Client", "email": "ada@example.com", "phone": "+1 212 555 0199"}


@pytest.fixture(autouse=True)
def _commit_hooks(django_capture_on_commit_callbacks, monkeypatch):
    """E-mails are queued on commit; tests run in a transaction that never commits, so
    run each request's on-commit callbacks as the request finishes."""
    from django.test import Client as TestClient

    original = TestClient.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(TestClient, "request", request)


def form_answers(**overrides) -> dict:
    """Answers as the intake form posts them (yes/no radios, checkboxes 'on')."""
    answers = clear_answers(**overrides)
    posted = {}
    for question in QUESTIONS:
        value = answers[question.key]
        if value is None:
            continue  # a date that is not asked: the form posts nothing
        if isinstance(value, bool):
            if question.kind == "must_be_true":
                if value:
                    posted[question.key] = "on"
                continue
            value = "yes" if value else "no"
        posted[question.key] = value
    return posted


def flow_urls(service="bar-60", therapist="any"):
    return {
        step: reverse(f"bookings:{step}", args=[service, therapist])
        for step in ("choose_slot", "intake", "contact", "review")
    }


def go_through(client, start, answers=None, therapist="any"):
    urls = flow_urls(therapist=therapist)
    response = client.get(urls["intake"], {"start": start.isoformat()})
    assert response.status_code == 200
    response = client.post(urls["intake"], answers or form_answers())
    if response.status_code != 302:
        return response
    if response["Location"] == reverse("bookings:declined"):
        return client.get(response["Location"])
    assert client.post(urls["contact"], CONTACT).status_code == 302
    review = client.get(urls["review"])
    assert review.status_code == 200
    return client.post(urls["review"])


class TestBrowsing:
    def test_the_booking_pages_list_what_a_client_chooses_from(self, client, clinic):
        assert "Bar therapy" in client.get("/book/").content.decode() or clinic.bar_60.name in (
            client.get("/book/").content.decode()
        )
        page = client.get(reverse("bookings:choose_therapist", args=["bar-60"])).content.decode()
        assert "Any certified therapist" in page
        assert clinic.therapists[0].display_name in page
        assert clinic.floor_only.display_name not in page  # not certified for bar work

    def test_the_slot_page_shows_free_times_named_for_screen_readers(self, client, clinic):
        day = timezone.localdate() + dt.timedelta(days=3)
        response = client.get(flow_urls()["choose_slot"], {"date": day.isoformat()})
        page = response.content.decode()
        assert response.status_code == 200
        label = f'aria-label="{local_time(3, 10):%A} {day.day} {day:%B}, 10:00 AM with'
        assert label in page
        assert f'value="{local_time(3, 10).isoformat()}"' in page

    @pytest.mark.parametrize("date", ["junk", "2026-02-30", "99999-01-01", "", "1900-01-01"])
    def test_a_bad_date_shows_the_default_week(self, client, clinic, date):
        assert client.get(flow_urls()["choose_slot"], {"date": date}).status_code == 200

    def test_therapist_profiles_show_verified_credentials_and_styles(self, client, clinic):
        therapist = clinic.floor_only
        page = client.get(reverse("bookings:therapist", args=[therapist.slug])).content.decode()
        assert "Floor Ashiatsu certification" in page
        assert "Bar therapy certification" not in page
        listing = client.get(reverse("bookings:therapists")).content.decode()
        assert therapist.display_name in listing

    @pytest.mark.parametrize(
        "url",
        [
            "/book/nope/",
            "/book/bar-60/nobody/",
            "/therapists/nobody/",
            "/book/bar-60/nobody/intake/",
        ],
    )
    def test_unknown_slugs_are_404(self, client, clinic, url):
        assert client.get(url).status_code == 404


class TestOutcomes:
    def test_a_clean_intake_books_confirmed_and_emails_an_ics(self, client, clinic):
        start = local_time(3, 10)
        response = go_through(client, start)
        appointment = Appointment.objects.get()
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert appointment.start == start
        assert response.status_code == 302 and "?new=1" in response["Location"]
        page = client.get(response["Location"]).content.decode()
        assert "You are booked" in page and appointment.reference in page
        (message,) = [m for m in mail.outbox if m.to == ["ada@example.com"]]
        assert message.to == ["ada@example.com"]
        assert appointment.reference in message.subject
        assert response["Location"].split("?")[0] in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "Ada Client" in html
        (name, content, kind) = message.attachments[0]
        assert kind == "text/calendar" and name.endswith(".ics")
        event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
        assert event.decoded("dtstart") == start
        assert event.decoded("dtstart").utcoffset() == dt.timedelta(0)  # UTC: never ambiguous

    def test_a_disc_condition_books_pending_review_and_says_so(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        client.post(urls["intake"], form_answers(disc_condition=True))
        client.post(urls["contact"], CONTACT)
        review = client.get(urls["review"]).content.decode()
        assert "clinical staff will review" in review and "Send booking request" in review
        response = client.post(urls["review"])
        assert Appointment.objects.get().status == AppointmentStatus.PENDING_REVIEW
        assert "Booking request received" in client.get(response["Location"]).content.decode()
        assert "review" in mail.outbox[0].subject

    def test_mild_pain_books_light_pressure_and_says_so(self, client, clinic):
        go_through(client, local_time(3, 10), form_answers(back_pain_now="mild", pressure="deep"))
        assert Appointment.objects.get().intake.effective_pressure == "light"

    def test_osteoporosis_is_declined_with_reasons_and_nothing_is_stored(self, client, clinic):
        response = go_through(client, local_time(3, 10), form_answers(osteoporosis=True))
        page = response.content.decode()
        assert response.status_code == 200
        assert "We cannot book an Ashiatsu session for you now" in page
        assert "osteoporosis" in page and "+1 212 555 0142" in page
        assert not (
            Appointment.objects.exists() or Intake.objects.exists() or Client.objects.exists()
        )
        assert mail.outbox == []

    def test_a_missing_answer_is_shown_on_the_form(self, client, clinic):
        answers = form_answers()
        del answers["implant"]
        response = go_through(client, local_time(3, 10), answers)
        assert response.status_code == 400
        assert "This field is required" in response.content.decode()
        assert not Appointment.objects.exists()

    def test_a_slot_taken_meanwhile_is_a_clear_409_with_other_times(self, client, clinic):
        start = local_time(3, 10)
        for therapist in clinic.therapists:
            go_through(self._fresh_client(), start, therapist=therapist.slug)
        response = go_through(client, start)
        page = response.content.decode()
        assert response.status_code == 409
        assert "just taken" in page
        assert 'name="start"' in page  # other times offered
        assert Appointment.objects.count() == 2

    @staticmethod
    def _fresh_client():
        from django.test import Client as TestClient

        return TestClient()


class TestManage:
    @pytest.fixture
    def booked(self, client, clinic):
        response = go_through(client, local_time(3, 10))
        mail.outbox.clear()
        return Appointment.objects.get(), response["Location"].split("?")[0]

    def test_a_wrong_token_or_reference_is_404(self, client, booked):
        appointment, url = booked
        assert client.get(url).status_code == 200
        assert client.get(url.replace(url.split("/")[-2], "x" * 43)).status_code == 404
        assert client.get(reverse("bookings:manage", args=["ZZZZZZZZ", "x"])).status_code == 404

    def test_the_manage_page_is_never_cached(self, client, booked):
        response = client.get(booked[1])
        assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]

    def test_the_client_cancels_and_the_slot_is_free_again(self, client, booked):
        appointment, url = booked
        response = client.post(url + "cancel/", follow=True)
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED
        assert "cancelled" in response.content.decode()
        assert "cancelled" in mail.outbox[0].subject
        assert go_through(self._other(), appointment.start).status_code == 302

    def test_the_client_reschedules(self, client, booked):
        appointment, url = booked
        new_start = local_time(4, 14)
        page = client.get(url + "reschedule/", {"date": new_start.date().isoformat()})
        assert f'value="{new_start.isoformat()}"' in page.content.decode()
        client.post(url + "reschedule/", {"start": new_start.isoformat()})
        appointment.refresh_from_db()
        assert appointment.start == new_start
        assert "moved" in mail.outbox[0].subject

    def test_a_reschedule_to_a_taken_time_keeps_the_booking(self, client, booked):
        appointment, url = booked
        response = client.post(url + "reschedule/", {"start": "not-a-time"})
        assert response.status_code == 409
        past = (timezone.now() - dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        assert client.post(url + "reschedule/", {"start": past.isoformat()}).status_code == 409
        appointment.refresh_from_db()
        assert appointment.start == local_time(3, 10)

    def test_inside_24_hours_the_client_is_told_to_call(self, client, booked, time_machine):
        appointment, url = booked
        time_machine.move_to(appointment.start - dt.timedelta(hours=3))
        page = client.get(url).content.decode()
        assert "Cancel booking" not in page and "please call us" in page
        client.post(url + "cancel/")
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    @staticmethod
    def _other():
        from django.test import Client as TestClient

        return TestClient()


def test_cancelling_asks_first_and_a_get_changes_nothing(client, clinic):
    response = go_through(client, local_time(3, 10))
    url = response["Location"].split("?")[0]
    page = client.get(url + "cancel/")
    assert "Cancel this booking?" in page.content.decode()
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED


class TestStartsOutOfReach:
    """Issue 11 item 6: absurd start times get the slot list again, never a 500."""

    @pytest.mark.parametrize(
        "start",
        [
            "9999-12-31T23:59:00-14:00",  # cannot even be converted to UTC
            "0001-01-01T00:00:00+14:00",
            "9000-01-01T10:00:00-05:00",
            "2026-13-01T10:00:00-05:00",
        ],
    )
    def test_the_intake_page_sends_the_client_back_to_choose_a_time(self, client, clinic, start):
        therapist = clinic.therapists[0].slug
        urls = flow_urls(therapist=therapist)
        response = client.get(urls["intake"], {"start": start})
        assert response.status_code == 302
        assert response["Location"] == urls["choose_slot"]
        assert start not in str(client.session.get("booking_draft"))

    @pytest.mark.parametrize("step", ["contact", "review"])
    def test_a_far_future_start_already_in_the_session_does_not_break_later_steps(
        self, client, clinic, step
    ):
        """Sessions written before this fix may hold one: each later step recovers."""
        urls = flow_urls()
        session = client.session
        session["booking_draft"] = {
            "service": "bar-60",
            "therapist": "any",
            "start": "9999-12-31T23:59:00-14:00",
            "answers": clear_answers(),
            "contact": CONTACT,
        }
        session.save()
        for method in (client.get, client.post):
            response = method(urls[step])
            assert response.status_code == 302
            assert response["Location"] == urls["choose_slot"]
        assert Appointment.objects.count() == 0
