"""A returning client signs in by link and books on a phone with their intake filled in
(issue #13): the same screen and tap counter as the newcomer's test (issue #15), so the two
costs can be compared.

The client starts from their last answers and checks each one: the radio answers come
filled in, the declarations ("must be true" boxes) are never ticked for them, and the
contact details come from their record.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from bookings.models import AppointmentStatus
from clients.models import Client
from health import questionnaires
from tests.bookings.clinic import build_clinic, local_time
from tests.browser.test_phone_booking import MOST_SCREENS, MOST_TAPS, PHONE, Counter
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A first booking takes 5 screens and 16 taps (test_phone_booking); a returning client with
# a current intake must need fewer taps: they confirm their answers rather than give them.
RETURNING_MOST_TAPS = 8


def confirm_prefilled_intake(page: Page) -> None:
    """Do what the intake asks of a returning client: answer only what is not filled in
    (the declarations), then Continue."""
    expect(page.get_by_text("We filled in your answers from your last booking")).to_be_visible()
    for question in questionnaires.QUESTIONS:
        text = str(question.text)
        if question.kind in (questionnaires.BOOL, questionnaires.CHOICE):
            group = page.get_by_role("group", name=text)
            assert group.locator("input:checked").count() == 1, f"{text!r} was not filled in"
        elif question.kind == questionnaires.MUST_BE_TRUE:
            box = page.get_by_label(text)
            expect(box).not_to_be_checked()  # never ticked for them
            box.check()
    page.get_by_role("button", name="Continue").click()


def book_signed_in(page: Page, clinic, steps) -> None:
    """From the home page to the confirmation, doing on each screen what it asks."""
    page.goto("/")
    for _ in range(12):
        heading = page.get_by_role("heading", level=1).first.inner_text()
        if heading.startswith("You are booked"):
            return
        if heading.startswith("Ashiatsu"):
            page.get_by_role("link", name=clinic.bar_60.name).first.click()
        elif heading.startswith("Choose a day and time"):
            page.locator("button.slot").first.click()
        elif heading == "Your back health":
            steps("intake-prefilled")
            confirm_prefilled_intake(page)
        elif heading == "Your details and booking":
            steps("details-filled")
            expect(page.get_by_label("Full name")).to_have_value("Mei Sato")
            expect(page.get_by_label("E-mail")).to_have_value("mei@example.com")
            page.get_by_role("button", name="Book now").click()
        else:
            raise AssertionError(f"unexpected screen {heading!r}")
        page.wait_for_load_state("load")
    raise AssertionError("no confirmation after 12 screens")


def test_a_returning_client_signs_in_and_books_with_a_prefilled_intake(new_context, steps):
    clinic = build_clinic(therapists=2, bar_rooms=2)
    mei = ClientFactory(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199")
    AppointmentFactory(  # last month's session, its intake (clear, current version) on record
        client=mei,
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(-30, 10),
        status=AppointmentStatus.COMPLETED,
    )
    page = new_context(**PHONE).new_page()
    steps.page = page
    counter = Counter(page)
    mail.outbox.clear()

    # Signing in: ask for a link, open it from the e-mail, tap to sign in.
    page.goto("/account/")
    page.get_by_label("Your e-mail address").fill("mei@example.com")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_text("a link is on its way")).to_be_visible()
    (message,) = mail.outbox
    page.goto(urlsplit(re.search(r"http://\S+", message.body).group(0)).path)
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name="Hello, Mei Sato")).to_be_visible()
    steps("signed-in")
    sign_in = (counter.screens, counter.taps)

    book_signed_in(page, clinic, steps)
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    steps("booked")
    screens, taps = counter.screens - sign_in[0], counter.taps - sign_in[1]
    print(
        f"\nreturning client: signing in {sign_in[0]} screens, {sign_in[1]} taps; "
        f"booking {screens} screens, {taps} taps (a first booking: at most {MOST_SCREENS} "
        f"screens, {MOST_TAPS} taps)"
    )
    assert screens <= MOST_SCREENS, f"{screens} screens"
    assert taps <= RETURNING_MOST_TAPS, f"{taps} taps"
    record = Client.objects.get(pk=mei.pk)
    assert record.appointments.count() == 2
    assert record.confirmed_by == Client.ConfirmedBy.EMAIL_LINK
    earlier, latest = record.appointments.order_by("start").select_related("intake")
    kept = [
        q.key
        for q in questionnaires.QUESTIONS
        if q.kind in (questionnaires.BOOL, questionnaires.CHOICE)
    ]
    assert {k: latest.intake.answers[k] for k in kept} == {
        k: earlier.intake.answers[k] for k in kept
    }
