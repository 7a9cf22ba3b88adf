"""Existing clients' numbers: in E.164 after the migration, or kept as typed and flagged."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ClientFactory
from texts.models import ClientTexts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [("texts", "0001_initial")]
AFTER = [("texts", "0002_normalise_numbers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_existing_numbers_are_normalised_and_the_unreadable_flagged():
    typed = {
        "us": "(212) 555-0142",
        "spain": "+34 612 34 56 78",
        "landline": "+44 20 7946 0958",
        "nonsense": "12",
    }
    clients = {
        key: ClientFactory(phone=phone, email=f"{key}@example.com") for key, phone in typed.items()
    }
    try:
        migrate(BEFORE)
        migrate(AFTER)
        rows = {row.client_id: row for row in ClientTexts.objects.all()}
        assert str(rows[clients["us"].pk].number) == "+12125550142"
        assert str(rows[clients["spain"].pk].number) == "+34612345678"
        assert rows[clients["us"].pk].problem == ""
        assert str(rows[clients["landline"].pk].number) == "+442079460958"
        assert "Not a mobile" in rows[clients["landline"].pk].problem
        nonsense = rows[clients["nonsense"].pk]
        assert nonsense.number in ("", None) and nonsense.typed == "12"
        assert "kept as typed" in nonsense.problem
        assert not any(row.wants_texts for row in rows.values())
    finally:
        migrate(AFTER)
