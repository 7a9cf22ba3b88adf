"""Offers are occupancy: on SQLite their row triggers are re-created so that they replace
the schedule `token` only and keep bookings 0010's `config_token` (PostgreSQL's trigger calls
the function bookings 0010 replaced, so it needs nothing)."""

from django.db import migrations

from bookings import schedule_triggers

TABLES = ["waitlist_waitlistoffer"]


def _occupancy(apps, schema_editor):
    schedule_triggers.remove(schema_editor, TABLES)
    schedule_triggers.install(schema_editor, TABLES, kind=schedule_triggers.OCCUPANCY)


def _v1(apps, schema_editor):
    schedule_triggers.remove(schema_editor, TABLES)
    schedule_triggers.install(schema_editor, TABLES, kind=schedule_triggers.V1)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_schedule_catalog_token"),
        ("waitlist", "0004_offers_move_the_schedule_version"),
    ]

    operations = [migrations.RunPython(_occupancy, _v1)]
