"""A second token on the schedule version, moved only by the slowly changing tables.

Appointments and waitlist offers change many times a second on a busy day; who works when,
credentials, rooms, services and closed days change a few times a day. The new
`config_token` keys the in-memory catalog (`bookings.schedule_catalog`), so the loader reads
only appointments and holds while the catalog stands. The PostgreSQL functions are replaced
and the catalog tables' triggers re-created; SQLite's row triggers are re-created for both
kinds (the waitlist re-creates its own in waitlist 0005).
"""

from django.db import migrations, models

from bookings import schedule_triggers

OCCUPANCY_TABLES = ["bookings_appointment"]
CATALOG_TABLES = [
    "bookings_room",
    "bookings_room_styles",
    "bookings_service",
    "bookings_style",
    "bookings_closedday",
    "therapists_therapist",
    "therapists_workinghours",
    "therapists_timeoff",
    "therapists_credential",
]


def _two_tokens(apps, schema_editor):
    tables = OCCUPANCY_TABLES + CATALOG_TABLES
    schedule_triggers.remove(schema_editor, tables)
    schedule_triggers.install_functions(schema_editor, schedule_triggers.POSTGRES_FUNCTIONS)
    schedule_triggers.install(schema_editor, OCCUPANCY_TABLES, kind=schedule_triggers.OCCUPANCY)
    schedule_triggers.install(schema_editor, CATALOG_TABLES, kind=schedule_triggers.CATALOG)


def _one_token(apps, schema_editor):
    tables = OCCUPANCY_TABLES + CATALOG_TABLES
    schedule_triggers.remove(schema_editor, tables)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_schedule_catalog_changed()")
    schedule_triggers.install_functions(schema_editor, schedule_triggers.POSTGRES_FUNCTION_V1)
    schedule_triggers.install(schema_editor, tables, kind=schedule_triggers.V1)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0009_reconfirmation_links_and_intake_revisions")]

    operations = [
        migrations.AddField(
            model_name="scheduleversion",
            name="config_token",
            field=models.CharField(max_length=40, null=True),
        ),
        migrations.RunPython(_two_tokens, _one_token),
    ]
