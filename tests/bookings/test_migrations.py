"""The Reminder model moved from the outbox to bookings without losing a row
(`outbox.0002` renames the table, `bookings.0004` adopts the model); on PostgreSQL and SQLite."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import Reminder
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [("outbox", "0001_initial"), ("bookings", "0004_client_names_on_one_line")]
AFTER = [("outbox", "0002_reminder_moves_to_bookings"), ("bookings", "0005_reminder")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_reminders_and_their_content_type_survive_the_move():
    appointment = AppointmentFactory()
    try:
        old = migrate(BEFORE)
        due = timezone.now() + dt.timedelta(hours=5)
        old.get_model("outbox", "Reminder").objects.create(
            appointment_id=appointment.pk,
            appointment_start=appointment.start,
            due_at=due,
            outcome="kept",
        )
        content_types = old.get_model("contenttypes", "ContentType").objects
        content_types.get_or_create(app_label="outbox", model="reminder")
        content_types.filter(app_label="bookings", model="reminder").delete()

        new = migrate(AFTER)
        (moved,) = new.get_model("bookings", "Reminder").objects.all()
        assert (moved.appointment_id, moved.due_at, moved.outcome) == (appointment.pk, due, "kept")
        content_types = new.get_model("contenttypes", "ContentType").objects
        assert content_types.filter(app_label="bookings", model="reminder").exists()
        assert not content_types.filter(app_label="outbox", model="reminder").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert Reminder.objects.get().outcome == "kept"
