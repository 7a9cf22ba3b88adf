"""Buying a gift card for a friend, and a package signed in, on a 390 px phone, in real
Chromium.

Stripe.js cannot load without a network: as in test_payments.py, a stand-in at Stripe's
address mounts a card box and hands back `pm_card_visa`; our page script, the form post and
the server's charge against localstripe are real. Screenshots: KEEP_SCREENSHOTS=1."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from payments.models import GiftCard, Package, PackagePlan, PaymentStatus
from tests.bookings.clinic import build_clinic
from tests.browser.test_payments import FAKE_STRIPE_JS
from tests.factories import ClientFactory
from tests.payments.conftest import localstripe_url, stripe_on  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_a_visitor_buys_a_gift_card_for_a_friend_on_a_phone(
    page: Page,
    steps,
    stripe_on,  # noqa: F811 - the fixture imported above
    live_server,
):
    page.route(
        "https://js.stripe.com/v3/",
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="application/javascript"),
    )
    page.set_viewport_size(PHONE)
    mail.outbox.clear()
    page.goto("/gift-cards/buy/")
    expect(page.get_by_role("heading", name="Buy a gift card")).to_be_visible()
    steps("empty-form")

    page.get_by_label("Value").fill("5")
    page.get_by_label("Your name").fill("Ben Buyer")
    page.get_by_label("Your e-mail").fill("ben@example.com")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay and send the gift card").click()
    expect(page.get_by_text("A gift card is worth from $10.00 to $500.00.")).to_be_visible()
    assert not GiftCard.objects.exists()
    steps("too-small-refused")

    friday = timezone.localdate() + dt.timedelta(days=3)
    page.get_by_label("Value").fill("75")
    page.get_by_label("For (name)").fill("Fay Friend")
    page.get_by_label("Their e-mail").fill("fay@example.com")
    page.get_by_label("Message").fill("Happy birthday, Fay!")
    page.get_by_label("Send on").fill(friday.isoformat())
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    steps("filled")
    page.get_by_role("button", name="Pay and send the gift card").click()
    expect(page.get_by_role("heading", name="Gift card bought")).to_be_visible()
    expect(page.get_by_text("the gift card is paid")).to_be_visible()
    steps("bought")

    card = GiftCard.objects.get()
    assert (card.initial_cents, card.deliver_on, card.payment.status) == (
        7500,
        friday,
        PaymentStatus.SUCCEEDED,
    )
    assert [m.to for m in mail.outbox] == [["ben@example.com"]]  # the receipt; Fay on Friday
    assert "GIFT-" not in page.content()
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_signed_in_client_buys_a_package_on_a_phone_and_sees_it_on_their_account(
    page: Page,
    steps,
    stripe_on,  # noqa: F811 - the fixture imported above
    live_server,
):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    PackagePlan.objects.create(
        name="Three bar sessions", style=clinic.bar_60.style, sessions=3, price_cents=10000,
        valid_days=180,
    )  # fmt: skip
    ClientFactory(name="Mei Sato", email="mei@example.com")
    page.route(
        "https://js.stripe.com/v3/",
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="application/javascript"),
    )
    page.set_viewport_size(PHONE)
    page.goto("/packages/")
    expect(page.get_by_role("link", name="Sign in to buy a package")).to_be_visible()
    steps("signed-out")

    mail.outbox.clear()
    page.get_by_role("link", name="Sign in to buy a package").click()
    page.get_by_label("Your e-mail address").fill("mei@example.com")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_text("a link is on its way")).to_be_visible()
    (message,) = mail.outbox
    page.goto(urlsplit(re.search(r"http://\S+", message.body).group(0)).path)
    page.get_by_role("button", name="Sign me in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Hello, "))).to_be_visible()

    page.goto("/packages/")
    expect(page.get_by_label("Three bar sessions", exact=False)).to_be_checked()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    steps("choose-and-pay")
    page.get_by_role("button", name="Pay and add to my account").click()
    expect(page.get_by_text("the package is yours")).to_be_visible()
    expect(page.get_by_test_id("package")).to_contain_text("3 of 3 sessions left")
    steps("on-the-account-page")
    assert Package.objects.get().client.email == "mei@example.com"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
