"""SQLite rebuilds a table to add a column with a default (0011 on services, 0014 on
appointments), and a rebuild drops that table's triggers: the schedule version would stop
moving on those writes there, and cached availability could go stale under `make run`.
Re-create every schedule trigger of bookings' and therapists' tables. PostgreSQL keeps its
triggers through ALTER TABLE, so nothing changes there. `tests/bookings/test_schedule_cache.py`
checks that every table has its triggers, so a later rebuild cannot drop them unnoticed.
"""

from django.db import migrations

OCCUPANCY = (
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
CATALOG = (
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE "
    "SET token = excluded.token, config_token = excluded.config_token"
)
TABLES = {
    OCCUPANCY: ["bookings_appointment"],
    CATALOG: [
        "bookings_room",
        "bookings_room_styles",
        "bookings_service",
        "bookings_style",
        "bookings_closedday",
        "therapists_therapist",
        "therapists_workinghours",
        "therapists_timeoff",
        "therapists_credential",
    ],
}


def _reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for bump, tables in TABLES.items():
        for table in tables:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_schedule_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {bump}; END"
                )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0014_appointment_language")]

    operations = [migrations.RunPython(_reinstall, migrations.RunPython.noop)]
