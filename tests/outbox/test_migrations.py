"""Rows of the old states move to the new ones (`outbox.0005`): nothing stays "skipped",
declined and erased e-mails become moot with a reason, given-up ones dead letters that keep
their last error; on PostgreSQL and SQLite."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outbox.models import Email, EmailStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [("outbox", "0004_email_leases_moot_and_dead_letters")]
AFTER = [("outbox", "0005_skipped_and_failed_to_moot_and_dead")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_skipped_and_failed_rows_get_their_new_states():
    try:
        old = migrate(BEFORE).get_model("outbox", "Email").objects
        row = {"kind": "reminder", "builder": "x.y"}
        declined = old.create(**row, status="skipped", sent_at=timezone.now())
        erased = old.create(**row, status="skipped")
        failed = old.create(**row, status="failed", attempts=7, last_error="SMTP: down")
        sent = old.create(**row, status="sent", sent_at=timezone.now())
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    by_pk = {e.pk: e for e in Email.objects.all()}
    assert by_pk[declined.pk].status == EmailStatus.MOOT
    assert by_pk[declined.pk].reason.startswith("Not needed any more when it was due")
    assert (by_pk[erased.pk].status, by_pk[erased.pk].reason) == (
        EmailStatus.MOOT, "Not sent: the person's data was erased.",
    )  # fmt: skip
    assert (by_pk[failed.pk].status, by_pk[failed.pk].last_error) == (
        EmailStatus.DEAD,
        "SMTP: down",
    )
    assert by_pk[sent.pk].status == EmailStatus.SENT
    assert not Email.objects.filter(status__in=["skipped", "failed"]).exists()
