"""The slot picker and intake for people without a mouse or a wide screen, and the date input."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from health import questionnaires, screening
from tests.browser.flow import day_label, slot_name, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_keyboard_user_chooses_a_slot_and_answers_the_intake(
    page: Page, steps, one_therapist_clinic
):
    therapist = one_therapist_clinic.therapists[0]
    day = timezone.localdate() + dt.timedelta(days=3)
    # The week starting on `day`, as the "Later →" link would show it.
    page.goto(f"/book/{one_therapist_clinic.bar_60.slug}/{therapist.slug}/?date={day:%Y-%m-%d}")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    first_slot = page.get_by_role("button", name=slot_name(3, "9:00 AM", therapist.display_name))
    # Past the menu, the therapist filter and the two weeks of the day strip.
    tab_to(page, first_slot, most=40)
    steps("slot-focused")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    expect(page.get_by_text(f"{day_label(day)}, 9:00 AM")).to_be_visible()
    answers = screening.clear_answers()
    # The first question comes after the skip link, the clinic name and the three menu links
    # (Therapists, Account, Book); from there on every control is the very next Tab stop.
    presses = 6
    for question in questionnaires.QUESTIONS:
        if question.kind == questionnaires.DATE:
            continue  # hidden until the answer before asks: not a Tab stop (most=1 below)
        if question.kind in (questionnaires.BOOL, questionnaires.CHOICE):
            values = (
                [True, False] if question.kind == questionnaires.BOOL else dict(question.choices)
            )
            radios = page.get_by_role("group", name=str(question.text)).get_by_role("radio")
            # Tab enters an unanswered radio group on its first option; arrows move and select.
            tab_to(page, radios.first, most=presses)
            position = list(values).index(answers[question.key])
            page.keyboard.press("Space")
            for _ in range(position):
                page.keyboard.press("ArrowDown")
            expect(radios.nth(position)).to_be_checked()
        elif question.kind == questionnaires.TEXT:
            tab_to(page, page.get_by_label(str(question.text)), most=presses)
        elif question.kind == questionnaires.REGIONS:
            # The map is one Tab stop; arrows move between regions, Space marks one.
            field = page.get_by_role("group", name=str(question.text), exact=True)
            regions = field.get_by_role("checkbox")
            tab_to(page, regions.first, most=presses)
            page.keyboard.press("ArrowRight")
            expect(regions.nth(1)).to_be_focused()
            page.keyboard.press("Space")
            expect(regions.nth(1)).to_have_attribute("aria-checked", "true")
            page.keyboard.press("Space")  # and unmarks it: clear answers mark nothing
            expect(regions.nth(1)).to_have_attribute("aria-checked", "false")
            tab_to(page, field.locator("summary"), most=1)
        else:
            checkbox = page.get_by_label(str(question.text))
            tab_to(page, checkbox, most=presses)
            page.keyboard.press("Space")
            expect(checkbox).to_be_checked()
        presses = 1
    steps("intake-answered")
    tab_to(page, page.get_by_role("button", name="Continue"), most=1)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    steps("contact")


def test_the_slot_page_fits_a_phone_screen(new_context, steps, one_therapist_clinic):
    phone = new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    ).new_page()
    steps.page = phone
    phone.goto("/book/")
    phone.get_by_role("link", name=one_therapist_clinic.bar_60.name).click()
    phone.get_by_role("link", name="Any certified therapist").click()
    expect(phone.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    steps("slots")

    overflow = phone.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert overflow[0] <= overflow[1], f"scrollWidth {overflow[0]} > clientWidth {overflow[1]}"


def test_the_date_input_shows_times_from_the_chosen_day(page: Page, steps, one_therapist_clinic):
    """With /api/availability the page redraws itself; without it the form is submitted. Either
    way the client sees the week starting on the day they picked, named as the server names it."""
    therapist = one_therapist_clinic.therapists[0]
    page.goto(f"/book/{one_therapist_clinic.bar_60.slug}/{therapist.slug}/")
    day = timezone.localdate() + dt.timedelta(days=10)

    page.get_by_label("Show times from").fill(f"{day:%Y-%m-%d}")
    page.get_by_role("button", name="Show times").click()

    expect(page.get_by_role("heading", name=day_label(day), exact=True)).to_be_visible()
    steps("day-chosen")
    page.get_by_role("button", name=slot_name(10, "1:30 PM", therapist.display_name)).click()
    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    expect(page.get_by_text(f"{day_label(day)}, 1:30 PM")).to_be_visible()
