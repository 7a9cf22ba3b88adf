"""SQLite rebuilt the appointments table to add 0016's columns, which dropped its schedule
triggers: bookings would stop moving the schedule version under `make run`, and cached
availability could show a booked slot as free. Re-create them (occupancy kind: `token`
only), the SQL written out as in 0015. PostgreSQL keeps its triggers through ALTER TABLE.
"""

from django.db import migrations

OCCUPANCY = (
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
)
TABLE = "bookings_appointment"


def _reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for event in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_schedule_{event}")
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_schedule_{event} AFTER {event.upper()} ON {TABLE} "
            f"BEGIN {OCCUPANCY}; END"
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0017_clearance_withdrawal")]

    operations = [migrations.RunPython(_reinstall, migrations.RunPython.noop)]
