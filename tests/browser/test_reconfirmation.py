"""The "has anything changed?" link at phone width (390 px), in real Chromium: one tap for
"nothing changed"; a change that rules the session out cancels it with a plain explanation.
Screenshots of each step (KEEP_SCREENSHOTS=1 keeps them in test-artifacts/)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.reconfirmation_links import reconfirmation_link_issue
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time
from tests.browser.flow import answer_intake
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def a_session() -> Appointment:
    clinic = build_clinic(therapists=1, bar_rooms=1)
    return AppointmentFactory(
        client=ClientFactory(name="Mei Sato", email="mei@example.com"),
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(2, 10),
        intake=IntakeFactory(
            answers=clear_answers(other_conditions="Stiff neck", avoid_regions=["neck"])
        ),
    )


def fits_the_phone(page: Page) -> None:
    """Nothing wider than the screen (no sideways scrolling on a phone), and nothing
    serious or critical for axe-core (as tests/browser/test_accessibility.py)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


def test_nothing_changed_is_one_tap(page: Page, steps):
    appointment = a_session()
    token = reconfirmation_link_issue(appointment=appointment)
    page.set_viewport_size(PHONE)
    page.goto(f"/reconfirm/{token}/")
    expect(page.get_by_role("heading", name="Has anything changed?")).to_be_visible()
    expect(page.get_by_text("Stiff neck")).to_be_visible()
    fits_the_phone(page)
    steps("answers")
    page.get_by_role("button", name="Nothing has changed").click()
    expect(page.get_by_text("Thank you: nothing changed")).to_be_visible()
    expect(page.locator("#last-confirmation")).to_be_visible()
    fits_the_phone(page)
    steps("thanks")
    assert AppointmentEvent.objects.filter(
        appointment=appointment, kind=AppointmentEvent.Kind.RECONFIRMED
    ).exists()


def test_a_change_that_rules_the_session_out_cancels_it_plainly(page: Page, steps):
    appointment = a_session()
    token = reconfirmation_link_issue(appointment=appointment)
    page.set_viewport_size(PHONE)
    page.goto(f"/reconfirm/{token}/")
    page.get_by_role("link", name="Something changed: update my answers").click()
    expect(page.get_by_role("heading", name="Update your answers")).to_be_visible()
    expect(page.get_by_label("Anything else the therapist should know?")).to_have_value(
        "Stiff neck"
    )
    fits_the_phone(page)
    steps("form-prefilled")
    answer_intake(page, submit="Save my answers", pregnancy="pregnant", other_conditions="Fell")
    expect(
        page.get_by_role("heading", name="We have cancelled your session, for your safety")
    ).to_be_visible()
    expect(page.get_by_text("Nothing is charged for this cancellation")).to_be_visible()
    fits_the_phone(page)
    steps("cancelled")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    page.goto(f"/reconfirm/{token}/")
    expect(page.get_by_text("This session is cancelled")).to_be_visible()
    steps("link-closed")
