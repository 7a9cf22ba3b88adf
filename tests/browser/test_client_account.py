"""A returning client in real Chromium at phone width: asks for a sign-in link, opens it,
sees /account/, then books with the contact details already filled; the booking joins the
record. Screenshots at 390 px (KEEP_SCREENSHOTS=1 keeps them)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from bookings.models import AppointmentStatus
from clients.models import Client
from tests.bookings.clinic import build_clinic, local_time
from tests.browser.flow import answer_intake, choose_time
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_a_returning_client_signs_in_by_link_and_books_with_details_filled(page: Page, steps):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    therapist = clinic.therapists[0]
    mei = ClientFactory(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199")
    AppointmentFactory(
        client=mei,
        therapist=therapist,
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(-30, 10),
        status=AppointmentStatus.COMPLETED,
    )
    page.set_viewport_size(PHONE)
    mail.outbox.clear()

    page.goto("/account/")
    expect(page.get_by_role("heading", name="Sign in to your bookings")).to_be_visible()
    page.get_by_label("Your e-mail address").fill("mei@example.com")
    steps("sign-in")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(
        page.get_by_text("If that address has booked with us, a link is on its way")
    ).to_be_visible()
    steps("sent")

    (message,) = mail.outbox
    page.goto(urlsplit(re.search(r"http://\S+", message.body).group(0)).path)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    steps("link")
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name="Hello, Mei Sato")).to_be_visible()
    expect(page.get_by_text("None yet.")).to_have_count(0)
    steps("account")

    page.get_by_role("link", name="Book", exact=True).click()
    choose_time(
        page,
        service=clinic.bar_60.name,
        therapist=therapist.display_name,
        days_ahead=3,
        time="10:00 AM",
    )
    answer_intake(page)
    expect(page.get_by_label("Full name")).to_have_value("Mei Sato")
    expect(page.get_by_label("E-mail")).to_have_value("mei@example.com")
    steps("contact-filled")
    page.get_by_role("button", name="Book now").click()  # details and booking: one screen
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()

    page.goto("/account/")
    expect(page.get_by_role("button", name="Move or cancel")).to_have_count(1)
    steps("account-after-booking")
    assert mei.appointments.count() == 2
    assert Client.objects.get(pk=mei.pk).confirmed_by == Client.ConfirmedBy.EMAIL_LINK
