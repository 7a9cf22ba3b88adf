"""A therapist proposes new hours and asks for time off in real Chromium (1280 px and a
phone's width), and connects their own calendar (a real CalDAV server, Radicale); the pages
have no serious accessibility violation."""

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.bookings.clinic import work_every_day
from tests.caldav_sync.conftest import (  # noqa: F401 (the Radicale fixtures)
    PASSWORD,
    USER,
    _radicale,
    radicale,
    work_calendar,
)
from therapists.models import CalendarConnection, ChangeStatus, HoursChange

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page: Page) -> None:
    page.goto("/therapist/login/")
    page.get_by_label("Username").fill("aiko-tanaka")
    page.get_by_label("Password").fill("ashiatsu-demo")
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_therapist_proposes_hours_and_time_off_from_the_portal(page: Page, steps, aiko, width):
    work_every_day(aiko)
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page)
    page.get_by_role("link", name="Hours & time off").click()
    expect(page.get_by_role("heading", name="Your hours and time off")).to_be_visible()
    steps("hours-page")
    first = timezone.localdate() + dt.timedelta(days=10)
    page.get_by_label("New hours start on").fill(first.isoformat())
    page.get_by_label("Monday", exact=True).fill("10:00")
    page.get_by_label("Monday until").fill("15:00")
    page.get_by_label("Tuesday", exact=True).fill("10:00")
    page.get_by_label("Tuesday until").fill("15:00")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("sent to the clinic manager for approval")).to_be_visible()
    steps("proposed")
    change = HoursChange.objects.get()
    assert change.status == ChangeStatus.PENDING
    assert change.hours == [[0, "10:00", "15:00"], [1, "10:00", "15:00"]]
    day = (first + dt.timedelta(days=3)).isoformat()
    page.get_by_label("Time off from").fill(f"{day}T09:00")
    page.get_by_label("Time off until").fill(f"{day}T13:00")
    page.get_by_label("Reason (optional)").fill("Course")
    page.get_by_role("button", name="Ask for time off").click()
    expect(page.get_by_text("Your time off request was sent")).to_be_visible()
    expect(page.get_by_text("Waiting for a manager")).to_have_count(2)
    steps("both-requested")
    # No part of the page is wider than the window (nothing to scroll sideways).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [v["id"] for v in serious]


def test_a_therapist_connects_their_own_calendar_and_a_wrong_password_is_said(
    page: Page,
    steps,
    aiko,
    radicale,  # noqa: F811 (a fixture)
    work_calendar,  # noqa: F811 (a fixture)
):
    _log_in(page)
    page.get_by_role("link", name="My calendar").click()
    expect(page.get_by_role("heading", name="Connect your own calendar")).to_be_visible()
    page.get_by_label("Calendar address (CalDAV)").fill(str(work_calendar.url))
    page.get_by_label("User name").fill(USER)
    page.get_by_label("App password").fill("not-the-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_contain_text("refused the user name or app password")
    steps("wrong-password")
    page.get_by_label("App password").fill(PASSWORD)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Your calendar is connected")).to_be_visible()
    expect(page.get_by_role("heading", name="Connected")).to_be_visible()
    steps("connected")
    assert CalendarConnection.objects.get().therapist == aiko
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [v["id"] for v in serious]


def test_a_manager_sees_the_uncovered_session_and_approves_in_the_admin(
    page: Page, steps, aiko, manager
):
    from tests.factories import AppointmentFactory
    from therapists.hours_changes import hours_propose

    work_every_day(aiko)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    tz = timezone.get_current_timezone()
    early = AppointmentFactory(therapist=aiko, start=dt.datetime.combine(monday, dt.time(9), tz))
    hours_propose(
        therapist=aiko,
        valid_from=monday,
        hours=[(d, dt.time(12), dt.time(18)) for d in range(5)],
        today=today,
        note="Mornings with my kids",
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/therapists/hourschange/")
    expect(page.get_by_role("link", name=re.compile(early.reference))).to_be_visible()
    steps("proposals")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("1 proposal(s) approved.")).to_be_visible()
    expect(page.get_by_text("booked session(s) are now outside the hours")).to_be_visible()
    steps("approved")
    assert HoursChange.objects.get().status == ChangeStatus.APPROVED
