"""Erasing a client erases their refused rows from the import runs (the file's cells)."""

import pytest

from bookings import privacy
from imports.runs import import_run, refused_report
from tests.factories import ClientFactory
from tests.imports.files import CLIENT_HEADER, to_csv

pytestmark = pytest.mark.django_db


def test_erasure_removes_the_clients_refused_rows(manager):
    ClientFactory(name="Ada Lovelace", email="ada@example.com")
    rows = [
        ["C1", "Ada Lovelace", "ADA@example.com", "not a phone", "", ""],
        ["C2", "Bo Ng", "bo@example.com", "not a phone", "", ""],
    ]
    run = import_run(
        kind="clients", source="clinic", data=to_csv(CLIENT_HEADER, rows), by=manager, dry_run=False
    )
    assert len(run.refused) == 2
    privacy.client_erase(email="ada@example.com", user=manager)
    run.refresh_from_db()
    assert [row["row"] for row in run.refused] == [3]
    assert "ada@example.com" not in refused_report(run).lower()
