"""The schedule version row and the triggers that move it (see models.ScheduleVersion).

Every table of bookings and therapists that availability reads gets a trigger, so any
write in any code path replaces the token inside the writing transaction; the waitlist adds
its offers table in its own migration. PostgreSQL: one statement-level trigger per table
(also on TRUNCATE) calling a function bookings owns; SQLite: a row trigger per kind of write.
The SQL is written out here, as it was then: a migration is history and runs no live code.
"""

from django.db import migrations, models

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


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_scheduleversion (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""
SQLITE_BUMP = (
    "INSERT OR REPLACE INTO bookings_scheduleversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))"
)
EVENTS = ("insert", "update", "delete")


def _install(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(POSTGRES_FUNCTION)
        for table in TABLES:
            run(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION bookings_schedule_changed()"
            )
    else:
        for table in TABLES:
            for event in EVENTS:
                run(
                    f"CREATE TRIGGER {table}_schedule_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {SQLITE_BUMP}; END"
                )


def _remove(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            run(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
        run("DROP FUNCTION IF EXISTS bookings_schedule_changed()")
    else:
        for table in TABLES:
            for event in EVENTS:
                run(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")


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
