"""The desk checks a session out on a 1280 px screen, and the client tips online on a 390 px
phone, in real Chromium against localstripe. Stripe.js cannot load here (no network): the
tip page gets a stand-in at Stripe's address, as in test_payments; the tip itself goes on the
card saved for the session, through our server and localstripe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from checkout import services
from checkout.receipts import tip_url
from payments.models import LedgerEntry, LedgerKind, Method
from tests.browser.test_payments import FAKE_STRIPE_JS
from tests.checkout.conftest import (  # noqa: F401 - fixtures
    localstripe_url,
    paid_booking,
    stripe_on,
    taxed_clinic,
)
from tests.factories import UserFactory
from tests.people import FRONT_DESK, role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
AXE = Axe()


def serious(page) -> list[str]:
    violations = AXE.run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]


def test_the_desk_checks_a_session_out_from_the_day_view(
    new_context,
    steps,
    paid_booking,  # noqa: F811 - the fixture imported above
):
    page = new_context(**DESKTOP).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    desk = UserFactory(username="felix", is_staff=True)
    desk.groups.add(role(FRONT_DESK))
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    day = paid_booking.start.astimezone().date()
    page.goto(reverse("admin:bookings_appointment_schedule") + f"?date={day:%Y-%m-%d}")
    steps("day-view")
    page.get_by_role("link", name=f"Check out {paid_booking.client.name}").click()
    expect(page.get_by_role("heading", name="Bill")).to_be_visible()
    expect(page.get_by_test_id("bill-owed")).to_have_text("$100.65")
    steps("bill")

    page.get_by_role("button", name="18 % · $21.60").click()
    expect(page.get_by_test_id("bill-owed")).to_have_text("$122.25")
    page.get_by_label("Promo code").fill("tenoff")
    page.get_by_role("button", name="Update bill").click()
    expect(page.locator(".messagelist")).to_contain_text("Bill updated")
    expect(page.get_by_test_id("bill-total")).to_have_text("$139.19")
    expect(page.get_by_test_id("bill-owed")).to_have_text("$109.19")
    steps("tip-and-code")

    page.get_by_label("Card on file (Stripe)").check()
    page.get_by_role("button", name="Take $109.19 and check out").click()
    expect(page.locator(".messagelist")).to_contain_text("saved for fees")
    page.get_by_label("Card on file (Stripe)").check()
    page.get_by_label("The client agrees to pay this bill with the card on file").check()
    page.get_by_role("button", name="Take $109.19 and check out").click()
    expect(page.locator(".messagelist")).to_contain_text("Checked out")
    expect(page.get_by_test_id("bill-owed")).to_have_text("$0.00")
    expect(page.get_by_role("link", name="Receipt (PDF)")).to_be_visible()
    steps("checked-out")
    no_scroll = page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert no_scroll
    assert serious(page) == []
    tips = LedgerEntry.objects.filter(appointment=paid_booking, kind=LedgerKind.TIP)
    assert [(t.amount_cents, t.method) for t in tips] == [(2160, Method.STRIPE)]


def test_a_client_tips_online_on_a_phone(
    new_context,
    steps,
    paid_booking,  # noqa: F811 - the fixture imported above
    live_server,
):
    desk = UserFactory(is_staff=True)
    services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=desk)
    page = new_context(**PHONE).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    page.route(
        "https://js.stripe.com/v3/",
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="application/javascript"),
    )
    page.goto(tip_url(paid_booking).replace("http://127.0.0.1:8000", live_server.url))
    expect(page.get_by_role("heading", name="A tip for")).to_be_visible()
    steps("tip-page")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert serious(page) == []
    page.get_by_text("18 %").click()
    expect(page.get_by_label("The card you saved", exact=False)).to_be_checked()
    steps("tip-chosen")
    page.get_by_role("button", name="Send my tip").click()
    expect(page.get_by_text("Your tip of $21.60 was received")).to_be_visible()
    steps("tip-received")
    (tip,) = LedgerEntry.objects.filter(appointment=paid_booking, kind=LedgerKind.TIP)
    assert (tip.amount_cents, tip.method) == (2160, Method.STRIPE)
