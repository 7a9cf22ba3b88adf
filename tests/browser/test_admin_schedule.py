"""The front desk moves today's appointment on the admin schedule, in real Chromium (issue 5)."""

import re

import pytest
from playwright.sync_api import Page, expect

from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture
def todays_booking(eight_in_the_morning, front_desk):
    clinic = build_clinic(therapists=2, bar_rooms=2)
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(0, 10),
        client=ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199"),
        answers=clear_answers(back_pain_now="mild"),
        actor=front_desk,  # booked by phone this morning, inside the two hours' online notice
    ).appointment


def booking_link(page: Page):
    return page.locator("#schedule-grid a.booking", has_text="Mei Sato")


def test_the_front_desk_moves_an_appointment_to_a_free_slot_on_todays_schedule(
    page: Page, steps, front_desk, todays_booking
):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Today's schedule").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Schedule for "))).to_be_visible()
    expect(booking_link(page)).to_contain_text("10:00–11:00")
    expect(booking_link(page)).to_contain_text("Light pressure only")
    expect(page.get_by_text("Free 11:15–17:00")).to_be_visible()
    steps("schedule-before")

    booking_link(page).click()
    expect(
        page.get_by_role("heading", name=f"Appointment {todays_booking.reference}")
    ).to_be_visible()
    page.get_by_label("New time").select_option("14:00")
    steps("move-form")
    page.get_by_role("button", name="Move appointment").click()

    expect(page.locator(".messagelist")).to_contain_text("moved to")
    page.get_by_role("link", name="Schedule of that day").click()

    expect(booking_link(page)).to_contain_text("14:00–15:00")
    # The block starts in the table row of 14:00 (it spans the rows below with rowspan).
    booking_row = page.locator("#schedule-grid tbody tr").filter(
        has=page.locator("a.booking", has_text="Mei Sato")
    )
    row_header = booking_row.locator("th")
    expect(row_header).to_have_text("14:00")
    expect(page.get_by_text("Free 09:00–14:00")).to_be_visible()
    expect(page.get_by_text("10:00–11:00")).to_have_count(0)
    steps("schedule-after")

    todays_booking.refresh_from_db()
    assert todays_booking.start == local_time(0, 14)
    assert todays_booking.events.get(kind="rescheduled").actor == front_desk


def test_six_therapists_fit_the_schedule_grid_at_1280_px(
    new_context, steps, front_desk, todays_booking
):
    """Issue 15: a clinic with six therapists reads the day without scrolling sideways."""
    build_clinic(therapists=2, bar_rooms=1)  # three more (one floor-only): six who work today
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Today's schedule").click()
    expect(booking_link(page)).to_contain_text("10:00–11:00")
    columns = page.locator("#schedule-grid thead th")
    assert columns.count() == 7  # the time column and six therapists
    steps("six-therapists-1280")
    scroll = page.locator(".schedule-scroll").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll[0] <= scroll[1], f"grid scrollWidth {scroll[0]} > {scroll[1]}"
    page_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert page_width[0] <= page_width[1]
