"""The manager opens the reports in real Chromium, on a phone (390 px) and a desktop (1280 px):
the charts render inside the viewport, no CSP violation is reported, the range picker works
and a bad range answers with its message (issue 17)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.reports.fixture import build

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's


def _section_shots(page: Page, width: int) -> None:
    """With KEEP_SCREENSHOTS=1, one viewport-sized picture per section (a full-page shot of a
    long report is too small to look at)."""
    if os.environ.get("KEEP_SCREENSHOTS") != "1":
        return
    folder = Path(ARTIFACTS) / f"reports-sections-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    for section in [
        "content-main",
        "utilisation",
        "load",
        "no-shows",
        "clients",
        "services",
        "reviews",
    ]:
        page.locator(f"#{section}").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(folder / f"{section}.png"))


@pytest.mark.parametrize("width", [390, 1280])
def test_the_manager_reads_the_report_on_a_phone_and_a_desktop(page: Page, steps, manager, width):
    build()
    page.set_viewport_size({"width": width, "height": 900})
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Reports: utilisation, no-shows, clients, load").click()

    page.get_by_label("Report from").fill("2026-06-01")
    page.get_by_label("Report to").fill("2026-06-10")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_text("Mon 1 Jun 2026 – Sun 14 Jun 2026")).to_be_visible()
    steps(f"report-{width}")
    charts = page.locator("svg.chart")
    assert charts.count() == 7
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box["width"] > 300 and box["x"] >= 0 and box["x"] + box["width"] <= width
    # The numbers behind the first chart, as a table screen readers can read.
    table = page.get_by_role("table", name="Clinic utilisation by week")
    expect(table.get_by_role("row", name="2026-06-01 2880 270 4 9.4")).to_be_visible()
    # The page never scrolls sideways: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _section_shots(page, width)

    page.get_by_label("Report from").fill("2026-06-14")
    page.get_by_label("Report to").fill("2026-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("must not be after the last date")
    steps(f"bad-range-{width}")
    assert violations == []
