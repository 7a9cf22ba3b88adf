"""The schedule version row and the triggers that move it (see models.ScheduleVersion).

Every table availability reads gets a trigger, so any write in any code path replaces the
token inside the writing transaction. PostgreSQL: one statement-level trigger per table
(also on TRUNCATE). SQLite: row-level triggers, one per kind of write.
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
    "waitlist_waitlistoffer",
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


def _install(apps, schema_editor):
    run = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        run(POSTGRES_FUNCTION)
        for table in TABLES:
            run(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION bookings_schedule_changed()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(
                    f"CREATE TRIGGER {table}_schedule_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {SQLITE_BUMP}; END"
                )
    else:
        raise RuntimeError(f"No schedule-version triggers for {vendor}")


def _remove(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            run(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
        run("DROP FUNCTION IF EXISTS bookings_schedule_changed()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_client_names_on_one_line"),
        ("therapists", "0002_calendar_token_and_verify_permission"),
        ("waitlist", "0003_client_names_on_one_line"),
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
