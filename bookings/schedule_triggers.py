"""Triggers that move the schedule version (`models.ScheduleVersion`) on every write to a
table availability reads, inside the writing transaction.

Each app installs them on its own tables from its migrations (bookings and therapists in
bookings 0006 and 0010, the waitlist's offers in waitlist 0004 and 0005), so bookings never
names a table of an app above it. PostgreSQL: one statement-level trigger per table (also
on TRUNCATE), calling a function bookings owns. SQLite: row-level triggers, one per kind of
write.

Two kinds of table (since bookings 0010):
- OCCUPANCY tables (appointments, waitlist offers) replace `token` only;
- CATALOG tables (therapists, working hours, time off, credentials, rooms, services,
  styles, closed days) replace `token` and `config_token`, which keys the in-memory
  catalog (`bookings.schedule_catalog`).
`V1` is the single-token trigger of migrations 0006 and waitlist 0004, kept as it was so
those migrations still build the same schema.
"""

V1 = "v1"
OCCUPANCY = "occupancy"
CATALOG = "catalog"

# The tables of bookings and therapists that carry the triggers, by kind (the waitlist's
# offers table is occupancy too, installed by the waitlist's own migrations).
BOOKINGS_TABLES = {
    OCCUPANCY: ["bookings_appointment"],
    CATALOG: [
        "bookings_room",
        "bookings_room_styles",
        "bookings_service",
        "bookings_style",
        "bookings_closedday",
        "therapists_therapist",
        "therapists_workinghours",
        "therapists_timeoff",
        "therapists_credential",
    ],
}

POSTGRES_FUNCTION_V1 = """
CREATE OR REPLACE FUNCTION bookings_schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_scheduleversion (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""
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
_POSTGRES_CALLS = {
    V1: "bookings_schedule_changed",
    OCCUPANCY: "bookings_schedule_changed",
    CATALOG: "bookings_schedule_catalog_changed",
}
_SQLITE_BUMPS = {
    V1: (
        "INSERT OR REPLACE INTO bookings_scheduleversion (id, token) "
        "VALUES (1, lower(hex(randomblob(16))))"
    ),
    OCCUPANCY: (
        "INSERT INTO bookings_scheduleversion (id, token, config_token) "
        "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
        "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
    ),
    CATALOG: (
        "INSERT INTO bookings_scheduleversion (id, token, config_token) "
        "VALUES (1, lower(hex(randomblob(16))), lower(hex(randomblob(16)))) "
        "ON CONFLICT (id) DO UPDATE "
        "SET token = excluded.token, config_token = excluded.config_token"
    ),
}


def install_functions(schema_editor, sql: str) -> None:
    """The PostgreSQL trigger functions (bookings' migrations only: other apps' triggers
    call them)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql)


def install(schema_editor, tables: list[str], *, kind: str) -> None:
    run = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in tables:
            run(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {_POSTGRES_CALLS[kind]}()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(
                    f"CREATE TRIGGER {table}_schedule_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {_SQLITE_BUMPS[kind]}; END"
                )
    else:
        raise RuntimeError(f"No schedule-version triggers for {vendor}")


def remove(schema_editor, tables: list[str]) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            run(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
    else:
        for table in tables:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")


def remove_functions(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_schedule_catalog_changed()")
        schema_editor.execute("DROP FUNCTION IF EXISTS bookings_schedule_changed()")
