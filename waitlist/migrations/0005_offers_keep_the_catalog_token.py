"""Offers are occupancy: on SQLite their row triggers are re-created so that they replace
the schedule `token` only and keep bookings 0010's `config_token` (PostgreSQL's trigger calls
the function bookings 0010 replaced, so it needs nothing). The SQL is written out as it was then."""

from django.db import migrations

TABLES = ["waitlist_waitlistoffer"]


OCCUPANCY_BUMP = (
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
V1_BUMP = (
    "INSERT OR REPLACE INTO bookings_scheduleversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)


def _recreate(schema_editor, bump):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_schedule_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {bump}; END"
            )


def _occupancy(apps, schema_editor):
    _recreate(schema_editor, OCCUPANCY_BUMP)


def _v1(apps, schema_editor):
    _recreate(schema_editor, V1_BUMP)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_schedule_catalog_token"),
        ("waitlist", "0004_offers_move_the_schedule_version"),
    ]

    operations = [migrations.RunPython(_occupancy, _v1)]
