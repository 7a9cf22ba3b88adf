"""A newcomer books on a 390 px phone: the browser counts the screens and taps it takes (issue 15).

A screen is a document load (each page the client waits for); a tap is a trusted pointer press
(Playwright's click and check both press the pointer; typing with `fill` does not). The flow is
written as "do what the page asks", so the same counter measured the old flow (8 screens, 19
taps) and measures the new one.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.bookings.clinic import build_clinic
from tests.browser.flow import CLIENT, answer_intake

pytestmark = pytest.mark.django_db(transaction=True)

MOST_SCREENS = 6
MOST_TAPS = 16
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

COUNT_TAPS = """
document.addEventListener("pointerdown", (event) => {
  if (event.isTrusted) sessionStorage.taps = String(Number(sessionStorage.taps || 0) + 1);
}, true);
"""


class Counter:
    def __init__(self, page: Page):
        self.page = page
        self.screens = 0
        page.add_init_script(COUNT_TAPS)
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.screens += 1

    @property
    def taps(self) -> int:
        return int(self.page.evaluate("() => Number(sessionStorage.taps || 0)"))


def book_as_a_newcomer(page: Page, clinic) -> None:
    """From the home page to the confirmation, doing on each screen what it asks."""
    page.goto("/")
    for _ in range(12):
        heading = page.get_by_role("heading", level=1).first.inner_text()
        if heading.startswith("You are booked"):
            return
        if heading.startswith("Ashiatsu"):
            link = page.get_by_role("link", name=clinic.bar_60.name)
            if link.count():
                link.first.click()
            else:
                page.get_by_role("link", name="Book a session").click()
        elif heading == "Choose a session":
            page.get_by_role("link", name=clinic.bar_60.name).click()
        elif heading == "Choose a therapist":
            page.get_by_role("link", name="Any certified therapist").click()
        elif heading.startswith("Choose a day and time"):
            page.locator("button.slot").first.click()
        elif heading == "Your back health":
            answer_intake(page)
        elif heading in ("How can we reach you?", "Your details and booking"):
            for label, value in CLIENT.items():
                page.get_by_label(label).fill(value)
            button = page.get_by_role("button", name="Book now")
            if not button.count():
                button = page.get_by_role("button", name="Review booking")
            button.click()
        elif heading == "Check and book":
            page.get_by_role("button", name="Book now").click()
        else:
            raise AssertionError(f"unexpected screen {heading!r}")
        page.wait_for_load_state("load")
    raise AssertionError("no confirmation after 12 screens")


def test_a_newcomer_books_on_a_phone_in_few_screens_and_taps(new_context, steps):
    clinic = build_clinic(therapists=2, bar_rooms=2)
    page = new_context(**PHONE).new_page()
    steps.page = page
    counter = Counter(page)

    book_as_a_newcomer(page, clinic)

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    steps("booked")
    print(f"\nphone booking: {counter.screens} screens, {counter.taps} taps")
    assert counter.screens <= MOST_SCREENS, f"{counter.screens} screens"
    assert counter.taps <= MOST_TAPS, f"{counter.taps} taps"
