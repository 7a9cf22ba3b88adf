"""Dated contraindications (questionnaire version 3) through every entry point, on the
database: the booking pages, the JSON API, booking_create and booking_reschedule.

A recent spinal surgery, fracture or pregnancy rules out sessions before a day; the client
is told the day and why, and nothing is written."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.booking_changes import booking_reschedule
from bookings.forms import IntakeForm
from bookings.models import Appointment, AppointmentStatus
from bookings.services import BOOKABLE_LATER, BookingError, ClientDetails, booking_create
from clients.models import Client
from health import questionnaires
from health.models import Intake
from health.screening import clear_answers, clear_answers_v2
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import CONTACT, flow_urls, form_answers
from tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def today() -> dt.date:
    return timezone.localdate()


def a_year_before(day: dt.date) -> dt.date:
    """The surgery date whose 12-month wait ends on `day` (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def ended_so_bookable_on(day: dt.date) -> dt.date:
    """The pregnancy end date whose 12-week wait ends on `day`."""
    return day - dt.timedelta(weeks=12)


def nothing_written() -> bool:
    return not (Appointment.objects.exists() or Intake.objects.exists() or Client.objects.exists())


class TestTheIntakePage:
    def test_a_time_before_the_bookable_day_explains_and_links_to_times_from_that_day(
        self, client, clinic
    ):
        urls = flow_urls()
        bookable = today() + dt.timedelta(days=10)
        answers = form_answers(
            pregnancy="ended", pregnancy_end_date=ended_so_bookable_on(bookable).isoformat()
        )
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})

        response = client.post(urls["intake"], answers)

        assert response.status_code == 200
        page = response.content.decode()
        day = f"{bookable.day} {bookable:%B %Y}"
        assert f"You can book from {day}" in page
        assert "12 weeks after the end of your pregnancy" in page
        picker = reverse("bookings:choose_slot", args=["bar-60", "any"])
        assert f'href="{picker}?date={bookable.isoformat()}"' in page
        assert nothing_written()
        # The picker opens on that day; the answers wait in the session for the new time.
        slots = client.get(picker, {"date": bookable.isoformat()})
        assert slots.context["first_day"] == bookable
        later = local_time(10, 10)
        again = client.get(urls["intake"], {"start": later.isoformat()})
        assert again.status_code == 200 and "You can book from" not in again.content.decode()
        assert again.context["form"].initial["pregnancy"] == "ended"
        assert client.post(urls["intake"], answers)["Location"] == urls["contact"]
        assert client.post(urls["contact"], CONTACT).status_code == 302
        booked = client.post(urls["review"])
        assert booked.status_code == 302
        intake = Appointment.objects.get().intake
        assert intake.questionnaire_version == 3 and intake.outcome == questionnaires.CLEAR
        assert intake.answers["pregnancy_end_date"] == ended_so_bookable_on(bookable).isoformat()

    def test_surgery_four_weeks_ago_says_when_bookings_for_that_day_open(self, client, clinic):
        urls = flow_urls()
        operated = today() - dt.timedelta(weeks=4)
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        response = client.post(
            urls["intake"],
            form_answers(
                spinal_surgery="within_12_months", spinal_surgery_date=operated.isoformat()
            ),
        )
        page = response.content.decode()
        bookable = questionnaires.SPINAL_SURGERY_WAIT.after(operated)
        assert response.status_code == 200
        assert f"You can book from {bookable.day} {bookable:%B %Y}" in page
        assert "12 months after your spinal surgery" in page
        assert "We take bookings up to 60 days ahead" in page
        assert nothing_written()

    def test_the_later_steps_send_a_too_early_time_back_to_the_intake(self, client, clinic):
        urls = flow_urls()
        bookable = today() + dt.timedelta(days=10)
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        client.post(
            urls["intake"],
            form_answers(
                pregnancy="ended", pregnancy_end_date=ended_so_bookable_on(bookable).isoformat()
            ),
        )
        for step in ("contact", "review"):
            assert client.get(urls[step])["Location"] == urls["intake"]
        assert client.post(urls["review"])["Location"] == urls["intake"]
        assert nothing_written()

    @pytest.mark.parametrize(
        ("date", "message"),
        [
            ("in-a-week", "in the future"),
            ("1850-06-01", "too long ago"),
            ("2026-02-31", "Enter a valid date"),
            ("", "Please give the date"),
        ],
    )
    def test_a_bad_surgery_date_is_a_400_with_the_message_and_nothing_kept(
        self, client, clinic, date, message
    ):
        if date == "in-a-week":
            date = (today() + dt.timedelta(days=7)).isoformat()
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        answers = form_answers(spinal_surgery="within_12_months")
        answers["spinal_surgery_date"] = date
        response = client.post(urls["intake"], answers)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert "answers" not in client.session["booking_draft"]
        assert nothing_written()

    def test_a_permanent_refusal_beside_a_dated_one_is_the_not_safe_page(self, client, clinic):
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        answers = form_answers(
            osteoporosis=True,
            fracture_recent=True,
            fracture_date=(today() - dt.timedelta(days=3)).isoformat(),
        )
        response = client.post(urls["intake"], answers)
        assert response["Location"] == reverse("bookings:declined")

    def test_the_date_fields_are_optional_until_the_answer_asks(self, client, clinic):
        urls = flow_urls()
        page = client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        html = page.content.decode()
        assert 'data-asked-when="spinal_surgery" data-asked-value="within_12_months"' in html
        assert 'data-asked-when="fracture_recent" data-asked-value="yes"' in html
        assert 'data-asked-when="pregnancy" data-asked-value="ended"' in html
        assert 'name="fracture_date" required' not in html
        assert client.post(urls["intake"], form_answers())["Location"] == urls["contact"]


def test_older_answers_prefill_the_new_form_without_crashing():
    """A returning client's answers from version 2 meet the version 3 form: nothing
    crashes, and the questions whose answers changed shape are asked afresh."""
    old = clear_answers_v2(pregnant=True, spinal_surgery="within_12_months", fracture_recent=True)
    form = IntakeForm(initial=IntakeForm.initial_from_answers(old))
    html = str(form)
    assert form.initial["pregnancy"] is None and form.initial["fracture_date"] is None
    assert form.initial["spinal_surgery"] == "within_12_months"
    assert 'name="pregnancy_end_date"' in html and 'name="pregnant"' not in html


def api_booking(clinic, start: dt.datetime, **answers) -> dict:
    return {
        "service": clinic.bar_60.slug,
        "therapist": "any",
        "start": start.isoformat(),
        "client": {"name": "Ada Client", "email": "ada@example.com", "phone": "+1 212 555 0199"},
        "intake": clear_answers(**answers),
    }


def post_booking(client, body) -> tuple[int, dict]:
    response = client.post("/api/bookings", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


class TestTheApi:
    def test_surgery_four_weeks_before_is_422_with_the_from_date_and_books_nothing(
        self, client, clinic
    ):
        start = local_time(3, 10)
        operated = start.date() - dt.timedelta(weeks=4)
        status, answer = post_booking(
            client,
            api_booking(
                clinic,
                start,
                spinal_surgery="within_12_months",
                spinal_surgery_date=operated.isoformat(),
            ),
        )
        bookable = questionnaires.SPINAL_SURGERY_WAIT.after(operated)
        assert (status, answer["code"]) == (422, BOOKABLE_LATER)
        assert "You can book from" in answer["errors"]["start"]
        assert f"choose a time from {bookable.isoformat()} on" in answer["detail"]
        assert nothing_written()

    def test_the_bookable_day_itself_books_and_needs_clearance(self, client, clinic):
        start = local_time(3, 10)
        on_the_day = a_year_before(start.date())
        status, answer = post_booking(
            client,
            api_booking(
                clinic,
                start,
                spinal_surgery="within_12_months",
                spinal_surgery_date=(on_the_day + dt.timedelta(days=1)).isoformat(),
            ),
        )
        assert (status, answer["code"]) == (422, BOOKABLE_LATER)
        status, answer = post_booking(
            client,
            api_booking(
                clinic,
                start,
                spinal_surgery="within_12_months",
                spinal_surgery_date=on_the_day.isoformat(),
            ),
        )
        assert status == 201, answer
        assert (answer["status"], answer["outcome"]) == ("pending_review", "needs_clearance")
        assert Intake.objects.get().answers["spinal_surgery_date"] == on_the_day.isoformat()

    @pytest.mark.parametrize(
        ("date", "message"),
        [
            ("tomorrow", "in the future"),
            ("2026-13-01", "not a real date"),
            ("1 March 2026", "YYYY-MM-DD"),
            (None, "Please give the date"),
        ],
    )
    def test_bad_dates_are_422_naming_the_field(self, client, clinic, date, message):
        if date == "tomorrow":
            date = (today() + dt.timedelta(days=1)).isoformat()
        status, answer = post_booking(
            client,
            api_booking(clinic, local_time(3, 10), fracture_recent=True, fracture_date=date),
        )
        assert status == 422
        assert message in answer["errors"]["intake.fracture_date"]
        assert nothing_written()

    def test_a_version_2_intake_is_refused_for_new_bookings_by_name(self, client, clinic):
        body = api_booking(clinic, local_time(3, 10))
        body["intake"] = clear_answers_v2()
        status, answer = post_booking(client, body)
        assert status == 422
        assert answer["code"] == "questionnaire_outdated"  # the old question, named
        assert set(answer["errors"]) == {"intake.pregnant"}


class TestTheBookingService:
    def test_a_fracture_books_from_its_day_and_a_move_before_it_is_refused(self, clinic):
        start = local_time(8, 10)
        broke = today() - dt.timedelta(days=1)
        answers = clear_answers(fracture_recent=True, fracture_date=broke.isoformat())
        with pytest.raises(BookingError) as error:
            booking_create(
                service=clinic.bar_60, therapist=None, start=start, client=ADA, answers=answers
            )
        assert error.value.code == BOOKABLE_LATER
        assert error.value.screening.bookable_from == questionnaires.FRACTURE_WAIT.after(broke)

        ended = ended_so_bookable_on(start.date())
        answers = clear_answers(pregnancy="ended", pregnancy_end_date=ended.isoformat())
        booked = booking_create(
            service=clinic.bar_60, therapist=None, start=start, client=ADA, answers=answers
        ).appointment
        assert booked.status == AppointmentStatus.CONFIRMED
        with pytest.raises(BookingError) as error:
            booking_reschedule(appointment=booked, start=local_time(7, 10))
        assert error.value.code == BOOKABLE_LATER
        booked.refresh_from_db()
        assert booked.start == start
        moved = booking_reschedule(appointment=booked, start=local_time(9, 10))
        assert moved.start == local_time(9, 10)

    def test_an_appointment_with_a_version_2_intake_still_moves(self, clinic):
        booked = booking_create(
            service=clinic.bar_60,
            therapist=None,
            start=local_time(3, 10),
            client=ADA,
            answers=clear_answers(),
        ).appointment
        Intake.objects.filter(pk=booked.intake_id).update(
            questionnaire_version=2, answers=clear_answers_v2()
        )
        booked.refresh_from_db()
        assert booking_reschedule(appointment=booked, start=local_time(4, 10)).start == (
            local_time(4, 10)
        )

    def test_a_stored_version_1_intake_is_shown_by_its_own_questions(self):
        from portal.views import _answer_rows  # the therapist's view of the answers

        intake = IntakeFactory(
            questionnaire_version=1, answers=clear_answers_v2(fracture_recent=True)
        )
        rows = {row["question"]: row for row in _answer_rows(intake.answers, 1)}
        assert rows["Are you pregnant or could you be?"]["answer"] == "No"
        fracture = rows["Any fracture or broken bone in the last 6 months?"]
        assert fracture["answer"] == "Yes" and fracture["flag"]
        assert not any("when" in str(q).lower() for q in rows)


class TestTheAdmin:
    def test_the_desk_cannot_book_before_the_bookable_day_and_is_told_it(
        self, client, clinic, front_desk
    ):
        from tests.bookings.test_admin import booking_form_data, client_for

        start = local_time(3, 11)
        bookable = start.date() + dt.timedelta(days=4)
        data = booking_form_data(
            clinic,
            start=start,
            pregnancy="ended",
            pregnancy_end_date=ended_so_bookable_on(bookable).isoformat(),
        )
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_add"), data
        )
        assert response.status_code == 200
        assert f"You can book from {bookable.day} {bookable:%B %Y}" in response.content.decode()
        assert nothing_written()
