"""Package and gift-card balances carried over: the client's own code keeps working here
(only its hash is stored), a re-run creates nothing twice, and bad rows say why."""

import pytest

from imports.runs import import_run
from payments.gift_cards import gift_card_balance
from payments.models import GiftCard, Package, PackagePlan
from payments.packages import package_find
from tests.factories import ClientFactory, StyleFactory
from tests.imports.files import to_csv

pytestmark = pytest.mark.django_db


def test_package_balances(manager):
    ada = ClientFactory(name="Ada Lovelace", email="Ada@Example.com")
    plan = PackagePlan.objects.create(
        name="Five bar sessions", style=StyleFactory(slug="bar"), sessions=5, price_cents=50000
    )
    header = ["source_id", "client_name", "client_email", "plan", "sessions_left", "code"]
    rows = [
        ["P1", "Ada Lovelace", "ada@example.com", "five bar sessions", "3", "OLD-PKG-0001"],
        ["P2", "Bo Ng", "bo@example.com", "Five bar sessions", "7", "OLD-PKG-0002"],
        ["P3", "Cy Li", "cy@example.com", "Ten floor sessions", "1", "OLD-PKG-0003"],
    ]
    data = to_csv(header, rows)
    dry = import_run(kind="packages", source="clinic", data=data, by=manager, dry_run=True)
    assert not Package.objects.exists()
    run = import_run(kind="packages", source="clinic", data=data, by=manager, dry_run=False)
    assert dry.counts == run.counts and run.counts["created"] == 1
    reasons = {r["row"]: r["reason"] for r in run.refused}
    assert "more than the 5 bought" in reasons[3] and "no package plan" in reasons[4]
    package = package_find("OLD-PKG-0001")
    assert (package.plan, package.sessions_left, package.sessions_total) == (plan, 3, 5)
    assert package.client == ada and package.price_cents == 50000
    again = import_run(kind="packages", source="clinic", data=data, by=manager, dry_run=False)
    assert again.counts["created"] == 0 and Package.objects.count() == 1


def test_gift_card_balances_from_square(manager):
    data = (
        b"Gift Card ID,Gift Card Number,Initial Amount,Current Balance,Recipient Name\n"
        b"g1,7783320012345678,100.00,42.50,Ada\n"
        b"g2,7783320099999999,20,25,Bo\n"
        b'g3,7783320088888888,"1,000.00",5,Cy\n'
        b"g4,7783320077777777,10.00,5,Dee,extra\n"
    )
    run = import_run(kind="gift_cards", source="square", data=data, by=manager, dry_run=False)
    assert run.counts["created"] == 1
    reasons = {r["row"]: r["reason"] for r in run.refused}
    assert "at most the card's initial value" in reasons[3]
    assert "without commas" in reasons[4]
    assert "the row has 6 cells but the header names 5" in reasons[5]
    assert gift_card_balance("7783320012345678") == 4250
    card = GiftCard.objects.get()
    assert card.initial_cents == 10000 and card.code_hint == "5678"
