"""Issue 15 on the server side: the one-day slot picker and each defect the issue lists."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from clients.models import Client
from health.models import Intake
from health.questionnaires import QUESTIONS
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import (  # noqa: F401 (the autouse fixture)
    CONTACT,
    _commit_hooks,
    flow_urls,
    form_answers,
    go_through,
)

pytestmark = pytest.mark.django_db


def day_label(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


class TestSlotPicker:
    def test_it_opens_on_the_first_day_with_free_times(self, client, clinic, time_machine):
        # 20:00 in the clinic: today has nothing left, so the page opens on tomorrow.
        time_machine.move_to(local_time(0, 20), tick=False)
        page = client.get(flow_urls()["choose_slot"]).content.decode()
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        assert f'<h2 class="h5 mb-2" id="day-{tomorrow:%Y%m%d}">' in page
        assert f'id="day-{timezone.localdate():%Y%m%d}"' not in page  # one day at a time
        assert re.search(rf'day={tomorrow.isoformat()}"\s+aria-current="date"', page)

    def test_a_day_in_the_strip_is_a_plain_link_to_that_day(self, client, clinic):
        day = timezone.localdate() + dt.timedelta(days=5)
        page = client.get(flow_urls()["choose_slot"], {"day": day.isoformat()}).content.decode()
        assert f'id="day-{day:%Y%m%d}"' in page
        assert f"?date={timezone.localdate():%Y-%m-%d}&amp;day={day:%Y-%m-%d}" in page

    def test_times_are_grouped_and_in_the_12_hour_clock_for_en_us(self, client, clinic):
        day = timezone.localdate() + dt.timedelta(days=3)
        page = client.get(flow_urls()["choose_slot"], {"date": day.isoformat()}).content.decode()
        morning, afternoon = page.index(">Morning<"), page.index(">Afternoon<")
        assert morning < page.index(">10:00 AM<") < afternoon < page.index(">2:00 PM<")
        assert ">14:00<" not in page

    def test_with_any_each_time_names_the_therapist_and_the_filter_lists_who_is_qualified(
        self, client, clinic
    ):
        day = timezone.localdate() + dt.timedelta(days=3)
        page = client.get(flow_urls()["choose_slot"], {"date": day.isoformat()}).content.decode()
        assert '<span class="slot-who">' in page
        for therapist in clinic.therapists:
            assert reverse("bookings:choose_slot", args=["bar-60", therapist.slug]) in page
        assert clinic.floor_only.display_name not in page
        assert reverse("bookings:therapists") in page  # credentials reachable from the flow

    def test_the_clinic_time_zone_is_named(self, client, clinic):
        page = client.get(flow_urls()["choose_slot"]).content.decode()
        assert re.search(r"Times are New York time \(E[SD]T\)", page)

    def test_the_slot_page_runs_a_fixed_number_of_queries(
        self, client, clinic, django_assert_num_queries, settings
    ):
        settings.AVAILABILITY_CACHE_SECONDS = 0  # the page as computed, not from the cache
        client.get(flow_urls()["choose_slot"])  # warm the session and the schedule catalog
        # 1 the catalog's token for the request's lookups (the service; later the therapist
        # names and the filter, from the same catalog); the availability loader: 2 the
        # catalog's token, 3 appointments and waitlist offers holding slots (one UNION).
        with django_assert_num_queries(3):
            client.get(flow_urls()["choose_slot"])
        # Two weeks later: still the same queries, not one per day or per slot.
        later = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
        with django_assert_num_queries(3):
            client.get(flow_urls()["choose_slot"], {"date": later})
        # The same page again while the schedule stands: the days come from the cache.
        settings.AVAILABILITY_CACHE_SECONDS = 90
        client.get(flow_urls()["choose_slot"])
        # 1 the catalog's token for the request's lookups, 2 the schedule version.
        with django_assert_num_queries(2):
            client.get(flow_urls()["choose_slot"])


class TestDetailsAndReview:
    def test_contact_and_review_are_one_screen_that_books(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        client.post(urls["intake"], form_answers())
        page = client.get(urls["contact"]).content.decode()
        assert "Your details and booking" in page and "Book now" in page
        response = client.post(urls["review"], CONTACT)
        assert response.status_code == 302 and "/manage/" in response["Location"]
        assert Appointment.objects.get().client.email == CONTACT["email"]

    def test_bad_contact_details_are_a_400_and_book_nothing(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        client.post(urls["intake"], form_answers())
        response = client.post(urls["review"], {**CONTACT, "phone": "call me"})
        assert response.status_code == 400 and "Please enter a phone number" in response.text
        assert not Appointment.objects.exists()

    def test_inside_24_hours_the_review_does_not_promise_online_changes(self, client, clinic):
        start = (timezone.localtime() + dt.timedelta(hours=5)).replace(
            minute=0, second=0, microsecond=0
        )
        urls = flow_urls()
        client.get(urls["intake"], {"start": start.isoformat()})
        client.post(urls["intake"], form_answers())
        page = client.get(urls["contact"]).content.decode()
        assert "cannot be cancelled or moved online" in page
        assert "cancel or move this booking yourself until" not in page

    def test_outside_24_hours_the_review_names_the_deadline(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        client.post(urls["intake"], form_answers())
        page = client.get(urls["contact"]).content.decode()
        deadline = local_time(2, 10)
        assert f"yourself until {day_label(deadline.date())}, 10:00 AM" in page


class TestIntake:
    def test_a_server_side_error_shows_one_summary_linking_each_question(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        response = client.post(urls["intake"], {})
        page = response.content.decode()
        required = [
            q for q in QUESTIONS if q.kind not in ("text", "regions", "date")
        ]  # optional ones
        assert page.count('id="error-summary"') == 1
        assert f"Please answer {len(required)} more questions" in page
        summary = page[
            page.index('id="error-summary"') : page.index("</ul>", page.index("error-summary"))
        ]
        assert summary.count('<a href="#id_') == len(required)
        assert page.index("error-summary") < page.index("<h1")

    def test_the_refusal_is_a_redirect_so_a_reload_does_not_resubmit(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        response = client.post(urls["intake"], form_answers(osteoporosis=True))
        assert response.status_code == 302 and response["Location"] == reverse("bookings:declined")
        for _ in range(2):  # the reload shows the same page, posts nothing
            page = client.get(response["Location"]).content.decode()
            assert "We cannot book an Ashiatsu session" in page and "osteoporosis" in page
        assert not (
            Appointment.objects.exists() or Intake.objects.exists() or Client.objects.exists()
        )

    def test_the_refusal_page_without_a_refusal_goes_to_the_start(self, client, clinic):
        assert client.get(reverse("bookings:declined"))["Location"] == reverse("bookings:book")


class TestConfirmation:
    @pytest.fixture
    def booked(self, client, clinic):
        response = go_through(client, local_time(3, 10))
        return Appointment.objects.get(), response["Location"].split("?")[0]

    def test_it_gives_address_directions_what_to_wear_price_and_calendar_links(
        self, client, booked, settings
    ):
        appointment, url = booked
        page = client.get(url + "?new=1").content.decode()
        assert settings.CLINIC_ADDRESS in page and "google.com/maps/search" in page
        assert "undress to your comfort level" in page  # bar therapy: draped in a sheet
        assert f"${appointment.service.price}" in page
        assert "calendar.google.com/calendar/render" in page
        assert url + "calendar.ics" in page
        assert re.search(r"New York time \(E[SD]T\)", page)
        therapist_url = reverse("bookings:therapist", args=[appointment.therapist.slug])
        assert f'href="{therapist_url}">{appointment.therapist.display_name}</a>' in page

    def test_the_calendar_file_is_the_booking_and_a_wrong_token_is_404(self, client, booked):
        appointment, url = booked
        response = client.get(url + "calendar.ics")
        assert response.status_code == 200 and response["Content-Type"] == "text/calendar"
        assert appointment.reference in response.content.decode()
        wrong = url.replace(url.split("/")[-2], "x" * 43)
        assert client.get(wrong + "calendar.ics").status_code == 404

    def test_moving_a_booking_asks_first(self, client, booked):
        appointment, url = booked
        new_start = local_time(4, 14)
        page = client.get(url + "reschedule/", {"start": new_start.isoformat()}).content.decode()
        assert "Move your booking?" in page and "Yes, move my booking" in page
        appointment.refresh_from_db()
        assert appointment.start == local_time(3, 10)  # the tap only asked
        client.post(url + "reschedule/", {"start": new_start.isoformat()})
        appointment.refresh_from_db()
        assert appointment.start == new_start

    def test_the_reschedule_times_are_links_that_ask_not_posts(self, client, booked):
        _, url = booked
        page = client.get(url + "reschedule/").content.decode()
        assert '<form method="get" action="' + url + 'reschedule/">' in page
