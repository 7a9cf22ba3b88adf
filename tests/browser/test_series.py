"""The front desk books a treatment plan across the spring DST change, in real Chromium:
find the client (admin autocomplete), check the dates, swap in an alternative for the one
taken date, ask the intake once, book all; the plan page shows 10:00 EST then 10:00 EDT."""

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from bookings.models import AppointmentStatus, TreatmentPlan
from health import questionnaires, screening
from tests.bookings.clinic import build_clinic, local_time
from tests.browser.flow import answer_intake, choose_time
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def late_february():
    """20 February 2027: a plan from 2 March every two weeks crosses 14 March (EST -> EDT)."""
    with time_machine.travel(dt.datetime(2027, 2, 20, 9, tzinfo=NEW_YORK), tick=True):
        yield


@pytest.fixture
def clinic_with_a_taken_slot(late_february):
    clinic_with_a_taken_slot = build_clinic(therapists=2, bar_rooms=2)
    # The second session's 10:00 is already taken by someone else.
    AppointmentFactory(
        therapist=clinic_with_a_taken_slot.therapists[0],
        service=clinic_with_a_taken_slot.bar_60,
        room=clinic_with_a_taken_slot.bar_rooms[0],
        start=dt.datetime(2027, 3, 16, 10, tzinfo=NEW_YORK),
    )
    return clinic_with_a_taken_slot


def answer_admin_intake(page: Page) -> None:
    """Clear answers, as the desk ticks them on the phone (free-text ones left empty)."""
    chosen = screening.clear_answers()
    for question in questionnaires.QUESTIONS:
        value = chosen[question.key]
        if question.kind in (questionnaires.BOOL, questionnaires.CHOICE):
            label = (
                dict(question.choices)[value] if question.kind == questionnaires.CHOICE else None
            )
            group = page.get_by_role("group", name=str(question.text))
            name = str(label) if label else ("Yes" if value else "No")
            group.get_by_role("radio", name=name, exact=True).check()
        elif question.kind == questionnaires.MUST_BE_TRUE:
            page.get_by_label(str(question.text)).check()


def test_the_front_desk_books_a_series_across_the_dst_change(
    page: Page, steps, clinic_with_a_taken_slot, front_desk
):
    ClientFactory(name="Mei Sato", email="mei@example.com")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/bookings/treatmentplan/add/")
    expect(page.get_by_role("heading", name="Book a treatment plan")).to_be_visible()

    # The client record, through the admin's own autocomplete (search by name).
    page.locator(".field-client .select2-selection").click()
    page.locator(".select2-search__field").fill("Mei")
    page.get_by_role("option", name="Mei Sato").click()
    page.get_by_label("Therapist").select_option(
        label=clinic_with_a_taken_slot.therapists[0].display_name
    )
    page.get_by_label("First session").fill("2027-03-02")
    page.get_by_label("Time").select_option("10:00")
    page.get_by_label("Every").select_option(label="2 weeks")
    page.get_by_label("Sessions in all").select_option("4")
    steps("the-series")
    page.get_by_role("button", name="Check the dates").click()

    dates = page.locator("#series-dates")
    expect(dates.locator("tbody tr")).to_have_count(4)
    refused = page.locator("#session-2")
    expect(refused).to_contain_text("This time was just taken")
    expect(page.locator("#session-1")).to_contain_text("10:00 EST")
    expect(page.locator("#session-3")).to_contain_text("10:00 EDT")
    steps("dates-checked")
    refused.get_by_role("radio").first.check()
    answer_admin_intake(page)
    steps("alternative-and-intake")
    page.get_by_role("button", name="Book all 4 sessions").click()

    expect(page.get_by_text("Booked 4 sessions for Mei Sato")).to_be_visible()
    sessions = page.locator("#series-sessions tbody tr")
    expect(sessions).to_have_count(4)
    expect(sessions.nth(0)).to_contain_text("10:00 EST")
    expect(sessions.nth(2)).to_contain_text("10:00 EDT")
    expect(sessions.nth(3)).to_contain_text("10:00 EDT")
    steps("plan-booked")
    plan = TreatmentPlan.objects.get()
    local = [a.start.astimezone(NEW_YORK) for a in plan.appointments.order_by("start")]
    assert [t.time() for t in (local[0], local[2], local[3])] == [dt.time(10)] * 3
    assert local[1].date() in {dt.date(2027, 3, d) for d in range(14, 19)}


PHONE = {"width": 390, "height": 844}


def test_a_signed_in_client_books_their_session_as_a_series_at_phone_width(page: Page, steps):
    clinic_with_a_taken_slot = build_clinic(therapists=1, bar_rooms=1)
    clinic_with_a_taken_slot.bar_60.allows_series = True
    clinic_with_a_taken_slot.bar_60.save()
    therapist = clinic_with_a_taken_slot.therapists[0]
    mei = ClientFactory(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199")
    AppointmentFactory(
        client=mei, therapist=therapist, service=clinic_with_a_taken_slot.bar_60, room=clinic_with_a_taken_slot.bar_rooms[0],
        start=local_time(-30, 10), status=AppointmentStatus.COMPLETED,
    )  # fmt: skip
    page.set_viewport_size(PHONE)
    mail.outbox.clear()
    page.goto("/account/sign-in/")
    page.get_by_label("Your e-mail address").fill("mei@example.com")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    (message,) = mail.outbox
    page.goto(urlsplit(re.search(r"http://\S+", message.body).group(0)).path)
    page.get_by_role("button", name="Sign me in").click()

    page.get_by_role("link", name="Book", exact=True).click()
    choose_time(
        page,
        service=clinic_with_a_taken_slot.bar_60.name,
        therapist=therapist.display_name,
        days_ahead=3,
        time="10:00 AM",
    )
    answer_intake(page)
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    steps("confirmation")
    page.get_by_role("link", name="Book this as a series").click()

    page.get_by_label(re.compile(r"Every\*")).select_option(label="2 weeks")
    page.get_by_label(re.compile(r"Sessions in all")).select_option("3")
    page.get_by_label("My health answers for this booking are still true").check()
    steps("rhythm")
    page.get_by_role("button", name="See the dates").click()
    expect(page.locator("#series-dates li")).to_have_count(3)
    expect(page.locator("#series-dates")).to_contain_text("10:00 AM")
    steps("dates")
    page.get_by_role("button", name="Book these 3 sessions").click()

    expect(page.get_by_text("Booked: 3 sessions with")).to_be_visible()
    expect(page.get_by_role("heading", name="Your series")).to_be_visible()
    expect(page.get_by_role("button", name="Move or cancel")).to_have_count(3)
    steps("account-with-series")
    plan = TreatmentPlan.objects.get()
    assert plan.client == mei and plan.appointments.count() == 3
