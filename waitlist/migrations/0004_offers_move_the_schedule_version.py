"""Open offers hold slots, so writing one moves the schedule version too (cached
availability must never show a held slot as free): the trigger of
`bookings.schedule_triggers` on the offers table."""

from django.db import migrations

from bookings import schedule_triggers

TABLES = ["waitlist_waitlistoffer"]


def _install(apps, schema_editor):
    schedule_triggers.install(schema_editor, TABLES, kind=schedule_triggers.V1)


def _remove(apps, schema_editor):
    schedule_triggers.remove(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_scheduleversion"),
        ("waitlist", "0003_client_names_on_one_line"),
    ]

    operations = [migrations.RunPython(_install, _remove)]
