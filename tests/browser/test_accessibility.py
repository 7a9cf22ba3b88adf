"""axe-core (through axe-playwright-python, which ships axe.min.js: no CDN) on every public page,
each booking step, the manage page and the therapist portal; and the intake's touch targets.

Screenshots of each page at 390 px and 1280 px are kept with KEEP_SCREENSHOTS=1.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.bookings.clinic import build_clinic, local_time
from tests.browser.flow import CLIENT, answer_intake
from tests.factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
BLOCKING = {"serious", "critical"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PASSWORD = "ashiatsu-demo"


def assert_accessible(page: Page, name: str) -> None:
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in blocking
    )


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{page.url}: scrollWidth {width[0]} > {width[1]}"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_axe_finds_nothing_serious_from_landing_to_confirmation(new_context, steps, viewport):
    clinic = build_clinic(therapists=2, bar_rooms=2)
    page = new_context(**(PHONE if viewport == "phone" else DESKTOP)).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    therapist = clinic.therapists[0]

    for url, name in [
        ("/", "home"),
        ("/therapists/", "therapists"),
        (f"/therapists/{therapist.slug}/", "therapist"),
        ("/accessibility/", "accessibility"),
        ("/book/", "book"),
        (f"/book/{clinic.bar_60.slug}/any/", "slots"),
    ]:
        page.goto(url)
        assert_accessible(page, name)
        if viewport == "phone":
            no_sideways_scroll(page)
        steps(f"{viewport}-{name}")

    # Three days ahead, so the booking can still be moved online afterwards.
    page.goto(f"/book/{clinic.bar_60.slug}/any/?day={local_time(3, 10):%Y-%m-%d}")
    page.locator("button.slot").first.click()
    expect(page.get_by_role("heading", name="Your back health")).to_be_visible()
    # Nothing answered, past the browser's own check: the server's error summary.
    page.evaluate("document.querySelector('form.intake-form').noValidate = true")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Please answer")
    assert_accessible(page, "intake-with-errors")
    steps(f"{viewport}-intake-errors")
    answer_intake(page)
    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    assert_accessible(page, "details")
    steps(f"{viewport}-details")
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    assert_accessible(page, "confirmation")
    if viewport == "phone":
        no_sideways_scroll(page)
    steps(f"{viewport}-confirmation")
    page.get_by_role("link", name="Move to another time").click()
    page.locator("button.slot").first.click()
    expect(page.get_by_role("heading", name="Move your booking?")).to_be_visible()
    assert_accessible(page, "move-confirm")
    steps(f"{viewport}-move-confirm")


def test_axe_finds_nothing_serious_on_the_refusal_page(page: Page, steps):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    page.goto(f"/book/{clinic.bar_60.slug}/any/intake/?start={local_time(3, 10).isoformat()}")
    answer_intake(page, osteoporosis=True)
    expect(page).to_have_url(re.compile(r"/book/declined/$"))
    assert_accessible(page, "declined")
    page.reload()  # a redirect landed here: the reload posts nothing
    expect(page.get_by_role("heading", name=re.compile("We cannot book"))).to_be_visible()
    steps("declined")


def test_axe_finds_nothing_serious_in_the_therapist_portal(page: Page, steps):
    user = UserFactory(username="aiko-tanaka", password=PASSWORD)
    TherapistFactory(display_name="Aiko Tanaka", slug="aiko-tanaka", user=user)
    page.goto("/therapist/")
    assert_accessible(page, "portal-login")
    page.get_by_label("Username").fill("aiko-tanaka")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    assert_accessible(page, "portal-today")
    steps("portal-today")


def test_intake_answers_are_44px_targets_and_the_whole_label_taps(new_context, steps):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    page = new_context(**PHONE).new_page()
    steps.page = page
    page.goto(f"/book/{clinic.bar_60.slug}/any/intake/?start={local_time(3, 10).isoformat()}")
    labels = page.locator(".intake-form .form-check-label")
    assert labels.count() > 20
    for index in range(labels.count()):
        if not labels.nth(index).is_visible():
            continue  # the body map's folded list of boxes: the map itself is the target
        box = labels.nth(index).bounding_box()
        assert box["height"] >= 44, f"label {index} is {box['height']} px tall"
    group = page.get_by_role(
        "group", name="Are you pregnant, or have you been in the last 12 weeks?"
    )
    label = group.locator("label", has_text=re.compile(r"^\s*No\s*$"))
    box = label.bounding_box()
    # Tap the label's far right edge, well away from the word "No" and the radio itself.
    page.touchscreen.tap(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    expect(group.get_by_role("radio", name="No", exact=True)).to_be_checked()
    steps("intake-targets")
