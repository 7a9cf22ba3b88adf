"""The schedule version row and the triggers that move it (see models.ScheduleVersion).

Every table of bookings and therapists that availability reads gets a trigger
(`bookings.schedule_triggers`), so any write in any code path replaces the token inside the
writing transaction; the waitlist adds its offers table in its own migration.
"""

from django.db import migrations, models

from bookings import schedule_triggers

TABLES = [
    "bookings_appointment",
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


def _install(apps, schema_editor):
    schedule_triggers.install_functions(schema_editor, schedule_triggers.POSTGRES_FUNCTION_V1)
    schedule_triggers.install(schema_editor, TABLES, kind=schedule_triggers.V1)


def _remove(apps, schema_editor):
    schedule_triggers.remove(schema_editor, TABLES)
    schedule_triggers.remove_functions(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_reminder"),
        ("therapists", "0002_calendar_token_and_verify_permission"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScheduleVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=40)),
            ],
        ),
        migrations.RunPython(_install, _remove),
    ]
