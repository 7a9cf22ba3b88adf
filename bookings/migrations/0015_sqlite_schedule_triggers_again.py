"""SQLite rebuilds a table to add a column with a default (0011 on services, 0014 on
appointments), and a rebuild drops that table's triggers: the schedule version would stop
moving on those writes there, and cached availability could go stale under `make run`.
Re-create every schedule trigger of bookings' and therapists' tables. PostgreSQL keeps its
triggers through ALTER TABLE, so nothing changes there. `tests/bookings/test_schedule_cache.py`
checks that every table has its triggers, so a later rebuild cannot drop them unnoticed.
"""

from django.db import migrations

from bookings import schedule_triggers


def _reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for kind, tables in schedule_triggers.BOOKINGS_TABLES.items():
        schedule_triggers.remove(schema_editor, tables)
        schedule_triggers.install(schema_editor, tables, kind=kind)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0014_appointment_language")]

    operations = [migrations.RunPython(_reinstall, migrations.RunPython.noop)]
