"""Buying a gift card for a friend on a 390 px phone, in real Chromium.

Stripe.js cannot load without a network: as in test_payments.py, a stand-in at Stripe's
address mounts a card box and hands back `pm_card_visa`; our page script, the form post and
the server's charge against localstripe are real. Screenshots: KEEP_SCREENSHOTS=1."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from payments.models import GiftCard, PaymentStatus
from tests.browser.test_payments import FAKE_STRIPE_JS
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
