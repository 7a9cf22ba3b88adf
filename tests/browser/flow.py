"""What a client does at each step of the booking flow, written the way a person reads the page."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from bookings import screening

CLIENT = {"Full name": "Mei Sato", "E-mail": "mei@example.com", "Phone": "+1 212 555 0199"}


def day_label(day: dt.date) -> str:
    """How the slot picker names a day, e.g. "Thursday 3 December"."""
    return f"{day:%A} {day.day} {day:%B}"


def slot_name(days_ahead: int, time: str, therapist_name: str | None = None) -> str | re.Pattern:
    """The accessible name of a slot button, e.g. "Thursday 3 December, 10:00 AM with Aiko Tanaka";
    without a therapist, a pattern that matches whoever is offered at that time."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    if therapist_name is None:
        return re.compile(f"^{re.escape(day_label(day))}, {time} with .+$")
    return f"{day_label(day)}, {time} with {therapist_name}"


def choose_time(page: Page, *, service: str, therapist: str, days_ahead: int, time: str) -> None:
    """From the service list: the service, the therapist filter on the time step (issue 15),
    the day `days_ahead` from today in the day strip, then the slot at `time` ("10:00 AM")."""
    page.get_by_role("link", name=service).click()
    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    chosen = page.get_by_role("navigation", name="Therapist").get_by_role(
        "link", name=therapist, exact=True
    )
    if chosen.get_attribute("aria-current") != "true":
        chosen.click()
    expect(chosen).to_have_attribute("aria-current", "true")
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    page.goto(page.url.split("?")[0] + f"?day={day:%Y-%m-%d}")
    page.get_by_role("button", name=slot_name(days_ahead, time, therapist)).click()


def answer_intake(page: Page, *, submit: str | None = "Continue", **answers) -> None:
    """Fill the back-health form: `clear_answers()` with `answers` overriding, then press
    `submit` (None: leave the form unsent)."""
    chosen = screening.clear_answers(**answers)
    for question in screening.QUESTIONS:
        value, text = chosen[question.key], str(question.text)
        if question.kind == screening.BOOL:
            group = page.get_by_role("group", name=text)
            group.get_by_role("radio", name="Yes" if value else "No", exact=True).check()
        elif question.kind == screening.CHOICE:
            group = page.get_by_role("group", name=text)
            group.get_by_role("radio", name=str(dict(question.choices)[value]), exact=True).check()
        elif question.kind == screening.DATE:
            # Shown (intake-dates.js) only once the answer before asks for it.
            if value:
                page.get_by_label(text, exact=True).fill(value)
            else:
                expect(page.get_by_label(text, exact=True)).to_be_hidden()
        elif question.kind == screening.TEXT:
            page.get_by_label(text, exact=True).fill(value)
        elif question.kind == screening.REGIONS:
            field = page.get_by_role("group", name=text, exact=True)
            for slug in value:
                field.locator(f'[data-region="{slug}"]').click()
        else:
            page.get_by_label(text).check()
    if submit:
        page.get_by_role("button", name=submit).click()


def give_contact_details(page: Page, *, submit: str = "Book now") -> None:
    """Contact details and review are one screen: fill the details and press `submit`."""
    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name=submit).click()


def tab_to(page: Page, target: Locator, *, most: int = 12) -> None:
    """Press Tab until `target` has the focus; fail if it takes more than `most` presses (the
    focus order skipped it, or something unexpected sits in front of it)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {most} presses of Tab")
