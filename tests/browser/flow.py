"""What a client does at each step of the booking flow, written the way a person reads the page.

Each step takes the page's `language` ("en", "es"): the labels it looks for are the app's own
strings, translated through the same catalogue the pages use.
"""

import datetime as dt
import re

from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from health import questionnaires, screening

CLIENT = {"Full name": "Mei Sato", "E-mail": "mei@example.com", "Phone": "+1 212 555 0199"}


def _(text: str, language: str) -> str:
    """`text` as the pages write it in `language`."""
    with translation.override(language):
        return gettext(text)


def day_label(day: dt.date, language: str = "en") -> str:
    """How the slot picker names a day, e.g. "Thursday 3 December", "jueves 3 de diciembre"."""
    with translation.override(language):
        return formats.date_format(day, gettext("l j F"))


def clock_label(time: dt.time, language: str = "en") -> str:
    """A time as the slot picker writes it: "10:00 AM", "10:00 a.m."."""
    with translation.override(language):
        return formats.time_format(time, "TIME_FORMAT")


def slot_name(
    days_ahead: int, time: str, therapist_name: str | None = None, language: str = "en"
) -> str | re.Pattern:
    """The accessible name of a slot button, e.g. "Thursday 3 December, 10:00 AM with Aiko
    Tanaka"; without a therapist, a pattern that matches whoever is offered at that time."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    with translation.override(language):
        with_someone = gettext("with %(name)s")
    if therapist_name is None:
        who = re.escape(with_someone).replace(re.escape("%(name)s"), ".+")
        return re.compile(f"^{re.escape(day_label(day, language))}, {time} {who}$")
    return f"{day_label(day, language)}, {time} {with_someone % {'name': therapist_name}}"


def choose_time(
    page: Page, *, service: str, therapist: str, days_ahead: int, time: str, language: str = "en"
) -> None:
    """From the service list: the service, the therapist filter on the time step (issue 15),
    the day `days_ahead` from today in the day strip, then the slot at `time` ("10:00 AM")."""
    page.get_by_role("link", name=service).click()
    expect(page.get_by_role("heading", name=_("Choose a day and time", language))).to_be_visible()
    chosen = page.get_by_role("navigation", name=_("Therapist", language)).get_by_role(
        "link", name=therapist, exact=True
    )
    if chosen.get_attribute("aria-current") != "true":
        chosen.click()
    expect(chosen).to_have_attribute("aria-current", "true")
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    page.goto(page.url.split("?")[0] + f"?day={day:%Y-%m-%d}")
    page.get_by_role("button", name=slot_name(days_ahead, time, therapist, language)).click()


def answer_intake(
    page: Page, *, submit: str | None = "Continue", language: str = "en", **answers
) -> None:
    """Fill the back-health form: `clear_answers()` with `answers` overriding, then press
    `submit` (None: leave the form unsent)."""
    with translation.override(language):
        _answer_intake(page, submit=gettext(submit) if submit else None, **answers)


def _answer_intake(page: Page, *, submit: str | None, **answers) -> None:
    """The questions' labels are lazy: read here, under the page's language."""
    chosen = screening.clear_answers(**answers)
    for question in questionnaires.QUESTIONS:
        value, text = chosen[question.key], str(question.text)
        if question.kind == questionnaires.BOOL:
            group = page.get_by_role("group", name=text)
            yes_no = gettext("Yes") if value else gettext("No")
            group.get_by_role("radio", name=yes_no, exact=True).check()
        elif question.kind == questionnaires.CHOICE:
            group = page.get_by_role("group", name=text)
            group.get_by_role("radio", name=str(dict(question.choices)[value]), exact=True).check()
        elif question.kind == questionnaires.DATE:
            # Shown (intake-dates.js) only once the answer before asks for it.
            if value:
                page.get_by_label(text, exact=True).fill(value)
            else:
                expect(page.get_by_label(text, exact=True)).to_be_hidden()
        elif question.kind == questionnaires.TEXT:
            page.get_by_label(text, exact=True).fill(value)
        elif question.kind == questionnaires.REGIONS:
            field = page.get_by_role("group", name=text, exact=True)
            for slug in value:
                field.locator(f'[data-region="{slug}"]').click()
        else:
            page.get_by_label(text).check()
    if submit:
        page.get_by_role("button", name=submit).click()


def give_contact_details(page: Page, *, submit: str = "Book now", language: str = "en") -> None:
    """Contact details and review are one screen: fill the details and press `submit`."""
    heading = _("Your details and booking", language)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    for label, value in CLIENT.items():
        page.get_by_label(_(label, language)).fill(value)
    page.get_by_role("button", name=_(submit, language)).click()


def tab_to(page: Page, target: Locator, *, most: int = 12) -> None:
    """Press Tab until `target` has the focus; fail if it takes more than `most` presses (the
    focus order skipped it, or something unexpected sits in front of it)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {most} presses of Tab")
