"""The Reminder model moves to the bookings app (the outbox is generic mail and must not know
appointments). The table is renamed, so every row, index and constraint stays; Django's
state forgets the model here and `bookings.0005_reminder` adopts it without touching the
database. Works on PostgreSQL and SQLite (both rename tables in place)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="reminder", table="bookings_reminder"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Reminder")],
            database_operations=[],
        ),
    ]
