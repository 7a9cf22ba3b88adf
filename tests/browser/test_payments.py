"""A client pays a deposit and the front desk charges a no-show fee, in real Chromium.

There is no network here, so Stripe.js itself cannot load. The test serves a stand-in at
Stripe's own address (Playwright's `page.route`): it mounts a card box and, like Stripe.js,
hands back a PaymentMethod id (`pm_card_visa`, one localstripe knows). Everything after that
is real: our `deposit.js`, the form post, our server code calling localstripe through the
`stripe` library, the ledger and the pages.
"""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import Page, expect

from bookings.models import AppointmentStatus
from bookings.services import ClientDetails, booking_create
from bookings.session_status import appointment_set_status
from health.screening import clear_answers
from payments.models import DepositKind, PaymentPolicy
from tests.bookings.clinic import build_clinic, local_time
from tests.bookings.test_admin import FRONT_DESK, role
from tests.factories import UserFactory
from tests.payments.conftest import localstripe_url, stripe_on  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
FAKE_STRIPE_JS = """
window.Stripe = function (key) {
  return {
    elements: function () { return { create: function () { return {
      mount: function (el) {
        var input = document.createElement("input");
        input.setAttribute("aria-label", "Card number");
        input.className = "form-control-plaintext";
        el.appendChild(input);
      },
      on: function (name, handler) { this._handler = handler; },
    }; } }; },
    createPaymentMethod: function () {
      return Promise.resolve({ paymentMethod: { id: "pm_card_visa" } });
    },
  };
};
"""


@pytest.fixture
def held_booking(stripe_on):  # noqa: F811 - the fixture imported above
    clinic = build_clinic(therapists=1, bar_rooms=1)
    PaymentPolicy.objects.create(
        service=clinic.bar_60,
        deposit_kind=DepositKind.PERCENT,
        deposit_value=25,
        no_show_fee_cents=8000,
        late_cancel_fee_cents=5000,
    )
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(3, 10),
        client=ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199"),
        answers=clear_answers(),
    )


def test_a_client_pays_the_deposit_then_the_desk_charges_the_no_show_fee(
    page: Page, steps, held_booking, live_server
):
    page.route(
        "https://js.stripe.com/v3/",
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="application/javascript"),
    )
    appointment = held_booking.appointment
    page.goto(f"/pay/{appointment.reference}/{appointment.pay_token}/")
    expect(
        page.get_by_role("heading", name="Pay the deposit to confirm your booking")
    ).to_be_visible()
    expect(page.get_by_test_id("deposit-amount")).to_have_text("$30.00")
    steps("deposit-page")

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Save my card with Stripe", exact=False).check()
    page.get_by_role("button", name="Pay $30.00 and book").click()
    expect(page.get_by_text("your deposit is paid")).to_be_visible()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    steps("booked")

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    desk = UserFactory(username="felix", is_staff=True, password=PASSWORD)
    desk.groups.add(role(FRONT_DESK))
    with time_machine.travel(appointment.start + dt.timedelta(minutes=20)):
        appointment_set_status(
            appointment=appointment, status=AppointmentStatus.NO_SHOW, actor=desk
        )

    page.goto("/admin/login/")
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/staff/money/bookings/{appointment.reference}/")
    steps("staff-booking-money")
    page.get_by_role("button", name="Charge no-show fee $50.00").click()
    expect(page.locator(".messagelist")).to_contain_text("No-show fee of $50.00 charged")
    steps("fee-charged")

    page.goto("/staff/money/")
    expect(page.get_by_test_id("takings-total")).to_have_text("$80.00")
    steps("day-takings")

    page.get_by_role("link", name="Sell a gift card").click()
    page.get_by_label("Value", exact=True).fill("75")
    page.get_by_label("Buyer's e-mail").fill("gift@example.com")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Take payment and sell").click()
    code = page.get_by_test_id("code").inner_text()
    assert code.startswith("GIFT-")
    steps("gift-card-sold")

    page.goto("/gift-cards/balance/")
    page.get_by_label("Gift card code").fill(code)
    page.get_by_role("button", name="Check balance").click()
    expect(page.get_by_test_id("balance")).to_have_text("$75.00")
    steps("gift-card-balance")
