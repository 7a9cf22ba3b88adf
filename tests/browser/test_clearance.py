"""The clinic manager records a clearance with its letter and approves the held booking,
in real Chromium (issue #13, clearance on record)."""

import pytest
from playwright.sync_api import Page, expect

from bookings.models import AppointmentStatus
from bookings.services import ClientDetails, booking_create
from health.models import ClearanceAccess
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
LETTER = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def held_booking(settings, tmp_path):
    settings.CLEARANCE_LETTERS_ROOT = tmp_path / "letters"
    settings.STAFF_REQUIRE_2FA = False
    clinic = build_clinic()
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(3, 10),
        client=ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199"),
        answers=clear_answers(disc_condition=True, pressure="deep"),
    ).appointment


def test_the_manager_records_a_clearance_letter_and_approves_the_booking(
    page: Page, steps, manager, held_booking
):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/bookings/appointment/review/")
    row = page.locator(f"#review-{held_booking.pk}")
    expect(row).to_contain_text("No clearance on record covers this session")
    steps("review-queue-without-clearance")

    row.get_by_role("link", name="Record a clearance").click()
    page.get_by_label("Cleared by").fill("Dr Maya Lee")
    page.get_by_label("Their role").select_option("physiotherapist")
    page.get_by_label("Date of clearance").fill(local_time(0, 9).date().isoformat())
    page.get_by_label("Scope").select_option("light_pressure")
    page.get_by_label("Disc condition").check()
    page.get_by_label("Letter").set_input_files(
        files=[{"name": "gp-letter.pdf", "mimeType": "application/pdf", "buffer": LETTER}]
    )
    steps("clearance-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Clearance recorded for Mei Sato")
    clearances = page.locator("#record-clearances")
    expect(clearances).to_contain_text("Dr Maya Lee")
    expect(clearances).to_contain_text("Light pressure only")
    steps("client-record-with-clearance")

    with page.expect_download() as download:
        clearances.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert ClearanceAccess.objects.filter(user=manager).exists()
    clearances.get_by_role("link", name="Dr Maya Lee").click()
    expect(page.locator("#content")).to_contain_text("Disc condition")
    steps("clearance-page")

    page.goto("/admin/bookings/appointment/review/")
    expect(row).to_contain_text("A clearance on record covers this session")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("approved and confirmed")
    steps("approved")
    held_booking.refresh_from_db()
    held_booking.intake.refresh_from_db()
    assert held_booking.status == AppointmentStatus.CONFIRMED
    assert held_booking.intake.effective_pressure == "light"
