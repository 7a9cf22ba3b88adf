"""The body map on a phone, in real Chromium: a client taps two regions on the intake's map,
books, and the therapist sees them on the day card, in the pre-brief and on the chart."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Appointment
from tests.bookings.clinic import build_clinic
from tests.browser.flow import answer_intake, choose_time, give_contact_details

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
AVOID = "On the body map, where should your therapist not work?"


def fits_the_screen(page) -> None:
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"scrollWidth {width[0]} > clientWidth {width[1]}"


def test_two_regions_tapped_in_the_intake_appear_on_the_therapists_chart(new_context, steps):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    therapist = clinic.therapists[0]
    phone = new_context(**PHONE, device_scale_factor=2).new_page()
    phone.set_default_timeout(10_000)
    steps.page = phone

    phone.goto("/book/")
    choose_time(
        phone,
        service=clinic.bar_60.name,
        therapist=therapist.display_name,
        days_ahead=3,
        time="10:00 AM",
    )
    expect(phone.get_by_role("heading", name="Your back health")).to_be_visible()

    avoid = phone.get_by_role("group", name=AVOID, exact=True)
    # With JavaScript the map's shapes are checkboxes themselves (the list of boxes is
    # folded away under "List of areas").
    neck = avoid.get_by_role("checkbox", name="Neck", exact=True)
    lower_back = avoid.get_by_role("checkbox", name="Lower back, left", exact=True)
    expect(neck).to_have_count(1)
    neck.scroll_into_view_if_needed()
    neck.tap()
    lower_back.tap()
    expect(neck).to_have_attribute("aria-checked", "true")
    expect(lower_back).to_have_attribute("aria-checked", "true")
    expect(neck).to_have_class(re.compile(r"\bis-avoid\b"))
    expect(avoid.locator("[data-body-map-count]")).to_have_text("2")
    # Tapping again clears; the keyboard toggles too.
    calf = avoid.get_by_role("checkbox", name="Calf, right", exact=True)
    calf.tap()
    expect(calf).to_have_attribute("aria-checked", "true")
    calf.focus()
    phone.keyboard.press("Space")
    expect(calf).to_have_attribute("aria-checked", "false")
    # The list's boxes (what the form submits) follow the map.
    avoid.locator("summary").tap()
    boxes = avoid.locator(".body-map-list")
    expect(boxes.get_by_label("Neck", exact=True)).to_be_checked()
    expect(boxes.get_by_label("Lower back, left", exact=True)).to_be_checked()
    expect(boxes.get_by_label("Calf, right", exact=True)).not_to_be_checked()
    fits_the_screen(phone)
    avoid.scroll_into_view_if_needed()
    steps("intake-map-tapped")

    answer_intake(phone)  # the rest of the questionnaire (no more regions)
    give_contact_details(phone)  # details and booking are one screen
    expect(phone.get_by_role("heading", name="You are booked")).to_be_visible()
    appointment = Appointment.objects.select_related("intake").get()
    assert appointment.intake.answers["avoid_regions"] == ["neck", "lower_back_left"]

    phone.goto("/therapist/login/")
    phone.get_by_label("Username").fill(therapist.user.username)
    phone.get_by_label("Password").fill("correct-horse-battery")
    phone.get_by_role("button", name="Log in").click()
    day = appointment.start.astimezone(phone_zone()).date().isoformat()
    phone.goto(f"/therapist/day/{day}/")
    card = phone.get_by_role("listitem").filter(has_text=appointment.client.name)
    expect(card).to_contain_text("Neck; Lower back, left")
    fits_the_screen(phone)
    steps("day-card")

    card.get_by_role("link", name=appointment.client.name).click()
    expect(phone.locator("#prebrief-avoid")).to_have_text("Neck; Lower back, left")
    fits_the_screen(phone)
    steps("appointment-prebrief")
    chart_map = phone.locator("#chart-map")
    for slug in ("neck", "lower_back_left"):
        expect(chart_map.locator(f'[data-region="{slug}"]')).to_have_class(
            re.compile(r"\bis-avoid\b")
        )
    expect(chart_map.locator('[data-region="calf_right"]')).not_to_have_class(
        re.compile(r"\bis-avoid\b")
    )
    chart_map.scroll_into_view_if_needed()
    steps("chart-map")

    # The session has happened (moved into the past directly): chart it, sign it.
    hours_ago = dt.timedelta(hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=timezone.now() - hours_ago, end=timezone.now(), occupied_until=timezone.now()
    )
    phone.reload()
    for part in ("Subjective", "Objective", "Assessment", "Plan"):
        phone.get_by_label(part, exact=True).fill(f"{part} of today")
    row = phone.locator(".region-row").first
    row.get_by_label("Region", exact=True).select_option("lower_back_right")
    row.get_by_label("Technique", exact=True).select_option("two_foot")
    row.get_by_label("Pressure", exact=True).select_option("light")
    row.get_by_label("Response on this region").fill("Relaxed")
    fits_the_screen(phone)
    phone.locator(".chart-form").scroll_into_view_if_needed()
    steps("chart-form")
    phone.get_by_role("button", name="Save and sign").click()
    expect(phone.get_by_role("status").filter(has_text="Note signed")).to_be_visible()
    expect(phone.locator("#chart-status")).to_have_text("Signed")
    expect(chart_map.locator('[data-region="lower_back_right"]')).to_have_class(
        re.compile(r"\bis-worked\b")
    )
    expect(phone.get_by_role("button", name="Save and sign")).to_have_count(0)
    phone.get_by_label("Add an addendum").fill("Client phoned: no soreness")
    phone.get_by_role("button", name="Add addendum").click()
    expect(phone.locator("#chart-addenda")).to_contain_text("Client phoned: no soreness")
    phone.locator("#chart").scroll_into_view_if_needed()
    steps("chart-signed")


def phone_zone():
    return timezone.get_current_timezone()
