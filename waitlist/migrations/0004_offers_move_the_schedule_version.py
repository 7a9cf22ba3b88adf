"""Open offers hold slots, so writing one moves the schedule version too (cached
availability must never show a held slot as free): the schedule trigger of bookings 0006 on
the offers table, its SQL written out as it was then."""

from django.db import migrations

TABLES = ["waitlist_waitlistoffer"]


SQLITE_BUMP = (
    "INSERT OR REPLACE INTO bookings_scheduleversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)
EVENTS = ("insert", "update", "delete")


def _install(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION bookings_schedule_changed()"
            )
        else:
            for event in EVENTS:
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_schedule_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {SQLITE_BUMP}; END"
                )


def _remove(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
        else:
            for event in EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_scheduleversion"),
        ("waitlist", "0003_client_names_on_one_line"),
    ]

    operations = [migrations.RunPython(_install, _remove)]
