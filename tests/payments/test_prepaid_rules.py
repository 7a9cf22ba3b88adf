"""Rules of prepaid value bought online or at the desk: expiry, the record a desk-sold
package joins, and erasure of a gift card's people and message."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.privacy import client_erase
from payments import gift_cards, online_sales, packages
from payments.ledger import PaymentError
from payments.models import GiftCard, Method, PackagePlan
from tests.factories import ClientFactory, StyleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_expired_gift_card_is_neither_spent_nor_shown(staff_without_role):
    card, code = gift_cards.gift_card_issue(
        amount_cents=5000, recipient_name="Bo", purchaser_email="ada@example.com",
        method=Method.CASH, actor=staff_without_role,
    )  # fmt: skip
    assert card.expires_at > timezone.now() + dt.timedelta(days=5 * 365)
    GiftCard.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(PaymentError, match="expired"):
        gift_cards.gift_card_redeem(code=code, amount_cents=100)
    assert gift_cards.gift_card_balance(code) is None
    assert GiftCard.objects.get().balance_cents == 5000


def test_no_expiry_where_the_law_forbids_one(settings, staff_without_role):
    settings.GIFT_CARD_VALID_YEARS = 0
    card, _code = gift_cards.gift_card_issue(
        amount_cents=5000, recipient_name="", purchaser_email="ada@example.com",
        method=Method.CASH, actor=staff_without_role,
    )  # fmt: skip
    assert card.expires_at is None


def test_a_package_sold_at_the_desk_joins_the_one_record_with_its_address(staff_without_role):
    ada = ClientFactory(email="ada@example.com")
    plan = PackagePlan.objects.create(
        name="Trio", style=StyleFactory(slug="bar"), sessions=3, price_cents=10000, valid_days=30
    )
    package, _code = packages.package_sell(
        plan=plan, client_name="Ada", client_email="ADA@example.com", method=Method.CASH,
        actor=staff_without_role,
    )  # fmt: skip
    assert (package.client, package.price_cents) == (ada, 10000)
    last_day = timezone.localdate() + dt.timedelta(days=30)
    assert timezone.localtime(package.expires_at).date() == last_day + dt.timedelta(days=1)
    assert package.last_day == last_day
    assert online_sales.balances(ada)["packages"] == [(package, True)]


def test_erasing_the_recipient_forgets_both_sides_and_the_message(staff_without_role):
    GiftCard.objects.create(
        code_hash="x" * 64, code_hint="ABCD", initial_cents=5000, balance_cents=5000,
        purchaser_name="Ben", purchaser_email="ben@example.com", recipient_name="Fay",
        recipient_email="Fay@Example.com", message="Happy birthday",
    )  # fmt: skip
    client_erase(email="fay@example.com", user=UserFactory(is_staff=True, is_superuser=True))
    card = GiftCard.objects.get()
    assert (card.purchaser_name, card.recipient_name, card.recipient_email, card.message) == (
        "",
        "",
        "",
        "",
    )
    assert card.balance_cents == 5000
