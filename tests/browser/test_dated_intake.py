"""A client with a recent spinal surgery books on a 390 px phone (questionnaire version 3).

The intake comes after the time, so the realistic flow is: the chosen time is before the
day the surgery allows, the intake step says so and why, and links to the slot picker opened
on that day; the client picks a time there and goes on with the same answers.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Appointment, AppointmentStatus
from tests.bookings.clinic import build_clinic
from tests.browser.flow import answer_intake, choose_time, day_label, give_contact_details
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SURGERY_QUESTION = "Have you had spinal surgery?"
DATE_LABEL = "If within the last 12 months: when was the surgery?"


def test_a_recent_surgery_leads_to_the_reason_and_the_picker_at_the_bookable_day(
    new_context, steps
):
    clinic = build_clinic(therapists=2, bar_rooms=2)
    page = new_context(**PHONE).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    today = timezone.localdate()
    bookable = today + dt.timedelta(days=10)
    operated = bookable.replace(year=bookable.year - 1)  # 12 months before that day

    page.goto("/book/")
    therapist = clinic.therapists[0].display_name
    choose_time(
        page, service=clinic.bar_60.name, therapist=therapist, days_ahead=3, time="10:00 AM"
    )
    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    date_field = page.get_by_label(DATE_LABEL, exact=True)
    expect(date_field).to_be_hidden()  # nothing to date yet: no field, no tap
    surgery = page.get_by_role("group", name=SURGERY_QUESTION)
    surgery.get_by_role("radio", name="Yes, within the last 12 months", exact=True).check()
    expect(date_field).to_be_visible()
    steps("date-asked")
    answer_intake(
        page,
        spinal_surgery="within_12_months",
        spinal_surgery_date=operated.isoformat(),
    )

    notice = page.get_by_role("alert")
    when = f"{bookable.day} {bookable:%B %Y}"
    expect(notice.get_by_role("heading", name="We cannot book this time yet")).to_be_visible()
    expect(notice).to_contain_text(f"You can book from {when}: 12 months after your spinal surgery")
    link = notice.get_by_role("link", name=f"Choose a time from {bookable.day} {bookable:%B}")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["x"] + box["width"] <= 390 and box["height"] >= 44  # a thumb-sized target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    steps("bookable-from")
    assert_accessible(page, "intake, bookable from")
    assert not Appointment.objects.exists()

    link.click()
    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?date={bookable:%Y-%m-%d}$"))
    first_day = page.get_by_role("navigation", name="Days").locator("a.day-chip").first
    expect(first_day).to_have_attribute("aria-label", re.compile(f"^{day_label(bookable)},"))
    steps("picker-at-the-day")
    page.locator("button.slot").first.click()

    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    expect(page.get_by_text("You can book from")).to_have_count(0)
    expect(page.get_by_label(DATE_LABEL, exact=True)).to_have_value(operated.isoformat())
    steps("intake-kept")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    expect(page.get_by_text("You have had spinal surgery")).to_be_visible()
    steps("details")
    give_contact_details(page, submit="Send booking request")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    steps("requested")
    appointment = Appointment.objects.select_related("intake").get()
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    assert timezone.localtime(appointment.start).date() >= bookable
