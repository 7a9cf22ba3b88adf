"""A new client books, is screened and cancels, in real Chromium (SPEC "Who uses it": clients)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment, AppointmentStatus
from clients.models import Client
from health.models import Intake
from tests.browser.flow import CLIENT, answer_intake, give_contact_details, slot_name

pytestmark = pytest.mark.django_db(transaction=True)

# Far enough ahead that the client may still cancel online (24 h before the start).
DAYS_AHEAD = 3


def day_ahead(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def start_booking(page: Page, clinic, *, therapist_link: str) -> None:
    """From the home page to the slot picker of bar therapy, 60 minutes."""
    page.goto("/")
    page.get_by_role("link", name="Book a session").click()
    expect(page.get_by_role("heading", name="Choose a session")).to_be_visible()
    page.get_by_role("link", name=clinic.bar_60.name).click()
    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    # The therapist is a filter on the time step (issue 15), "any" by default.
    filter_link = page.get_by_role("navigation", name="Therapist").get_by_role(
        "link", name=therapist_link, exact=True
    )
    if filter_link.get_attribute("aria-current") != "true":
        filter_link.click()
    expect(filter_link).to_have_attribute("aria-current", "true")
    # The strip opens on the first day with free times; go to the day the test books.
    page.goto(page.url.split("?")[0] + f"?day={day_ahead(DAYS_AHEAD):%Y-%m-%d}")


def test_a_new_client_books_bar_therapy_and_cancels_through_the_manage_link(
    page: Page, steps, clinic
):
    therapist = clinic.therapists[0]
    start_booking(page, clinic, therapist_link=therapist.display_name)
    steps("slots")
    page.get_by_role(
        "button", name=slot_name(DAYS_AHEAD, "10:00 AM", therapist.display_name)
    ).click()

    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    steps("intake")
    answer_intake(page, avoid_areas="Left shoulder")
    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    expect(page.get_by_text("Our clinical staff will review")).to_have_count(0)
    steps("details-and-review")
    give_contact_details(page)

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/manage/[^/]+/[^/]+/\?new=1$"))
    steps("booked")
    appointment = Appointment.objects.select_related("client", "intake").get()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.therapist == therapist
    assert appointment.service == clinic.bar_60
    assert appointment.client.email == CLIENT["E-mail"]
    assert appointment.intake.answers["avoid_areas"] == "Left shoulder"
    expect(page.get_by_text(appointment.reference)).to_be_visible()

    page.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", name="Cancel this booking?")).to_be_visible()
    steps("confirm-cancel")
    page.get_by_role("button", name="Yes, cancel my booking").click()

    expect(page.get_by_role("status").filter(has_text="Your booking is cancelled")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel booking")).to_have_count(0)
    steps("cancelled")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_a_disc_condition_sends_a_booking_request_for_clinical_review(page: Page, steps, clinic):
    start_booking(page, clinic, therapist_link="Any certified therapist")
    page.get_by_role("button", name=slot_name(DAYS_AHEAD, "11:00 AM")).click()
    answer_intake(page, disc_condition=True)
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)

    notice = page.get_by_role("status").filter(
        has=page.get_by_role("heading", name="Our clinical staff will review this booking first")
    )
    expect(notice).to_contain_text("A disc condition needs our clinical staff to review")
    steps("review")
    page.get_by_role("button", name="Send booking request").click()

    expect(page.get_by_role("heading", name="Booking request received")).to_be_visible()
    steps("requested")
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    assert appointment.therapist in clinic.therapists


def test_osteoporosis_declines_the_booking_and_stores_nothing(page: Page, steps, clinic):
    therapist = clinic.therapists[1]
    start_booking(page, clinic, therapist_link=therapist.display_name)
    page.get_by_role(
        "button", name=slot_name(DAYS_AHEAD, "2:00 PM", therapist.display_name)
    ).click()
    answer_intake(page, osteoporosis=True)

    expect(
        page.get_by_role("heading", name="We cannot book an Ashiatsu session for you now")
    ).to_be_visible()
    expect(page.get_by_text("bones can break under a therapist's weight")).to_be_visible()
    expect(page.get_by_text("Nothing has been booked")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=settings.CLINIC_PHONE)).to_have_attribute(
        "href", re.compile(r"^tel:")
    )
    expect(main.get_by_role("link", name=settings.CLINIC_EMAIL)).to_have_attribute(
        "href", f"mailto:{settings.CLINIC_EMAIL}"
    )
    steps("declined")
    assert Appointment.objects.count() == 0
    assert Intake.objects.count() == 0
    assert Client.objects.count() == 0
