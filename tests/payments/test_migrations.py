"""Cards saved before consent was tied to a session: the migration links each to the booking
whose deposit it paid, and leaves a card with no such booking unlinked (never charged)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from payments.models import CardOnFile
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [("payments", "0001_initial")]
AFTER = [("payments", "0002_card_consent_per_session")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_cards_follow_the_deposit_they_paid():
    paid = AppointmentFactory()
    later = AppointmentFactory(client=paid.client, start=paid.start + dt.timedelta(days=7))
    stranger = ClientFactory(email="someone@example.com")
    try:
        old = migrate(BEFORE)
        Payment, Card = (
            old.get_model("payments", "Payment"),
            old.get_model("payments", "CardOnFile"),
        )
        consent = timezone.now()
        Payment.objects.create(
            kind="deposit",
            method="stripe",
            status="succeeded",
            amount_cents=3000,
            appointment_id=paid.pk,
            created_at=consent - dt.timedelta(seconds=5),
        )
        Payment.objects.create(  # after the consent: not the session it was given for
            kind="deposit",
            method="stripe",
            status="succeeded",
            amount_cents=3000,
            appointment_id=later.pk,
            created_at=consent + dt.timedelta(days=1),
        )
        for client in (paid.client, stranger):
            Card.objects.create(
                client_id=client.pk,
                stripe_customer="cus_x",
                stripe_payment_method="pm_x",
                consent_text="this session",
                consented_at=consent,
            )
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert CardOnFile.objects.get(client=paid.client).appointment_id == paid.pk
    assert CardOnFile.objects.get(client=stranger).appointment_id is None
