"""A second token on the schedule version, moved only by the slowly changing tables.

Appointments and waitlist offers change many times a second on a busy day; who works when,
credentials, rooms, services and closed days change a few times a day. The new
`config_token` keys the in-memory catalog (`bookings.schedule_catalog`), so the loader reads
only appointments and holds while the catalog stands. The PostgreSQL functions are replaced
and the catalog tables' triggers re-created; SQLite's row triggers are re-created for both
kinds (the waitlist re-creates its own in waitlist 0005). The SQL is written out here, as it
was then: a migration is history and runs no live code.
"""

from django.db import migrations, models

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


POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION bookings_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_scheduleversion (id, token, config_token)
    VALUES (1, gen_random_uuid()::text, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION bookings_schedule_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_scheduleversion (id, token, config_token)
    VALUES (1, gen_random_uuid()::text, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE
    SET token = EXCLUDED.token, config_token = EXCLUDED.config_token;
    RETURN NULL;
END
$$
"""
POSTGRES_FUNCTION_V1 = """
CREATE OR REPLACE FUNCTION bookings_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_scheduleversion (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""
# What each kind of table's trigger does: (PostgreSQL function, SQLite statement).
OCCUPANCY = (
    "bookings_schedule_changed",
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
)
CATALOG = (
    "bookings_schedule_catalog_changed",
    "INSERT INTO bookings_scheduleversion (id, token, config_token) "
    "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE "
    "SET token = excluded.token, config_token = excluded.config_token",
)
V1 = (
    "bookings_schedule_changed",
    "INSERT OR REPLACE INTO bookings_scheduleversion (id, token) "
    "VALUES (1, lower(hex(randomblob(16))))",
)
EVENTS = ("insert", "update", "delete")


def _install(schema_editor, tables, kind):
    function, sqlite_bump = kind
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        else:
            for event in EVENTS:
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_schedule_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {sqlite_bump}; END"
                )


def _remove(schema_editor, tables):
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
        else:
            for event in EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")


def _two_tokens(apps, schema_editor):
    _remove(schema_editor, OCCUPANCY_TABLES + CATALOG_TABLES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS)
    _install(schema_editor, OCCUPANCY_TABLES, OCCUPANCY)
    _install(schema_editor, CATALOG_TABLES, CATALOG)


def _one_token(apps, schema_editor):
    _remove(schema_editor, OCCUPANCY_TABLES + CATALOG_TABLES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_schedule_catalog_changed()")
        schema_editor.execute(POSTGRES_FUNCTION_V1)
    _install(schema_editor, OCCUPANCY_TABLES + CATALOG_TABLES, V1)


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
