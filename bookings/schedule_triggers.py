"""Triggers that move the schedule version (`models.ScheduleVersion`) on every write to a
table availability reads, inside the writing transaction.

Each app installs them on its own tables from its migrations (bookings and therapists in
bookings 0006, the waitlist's offers in waitlist 0004), so bookings never names a table of an
app above it. PostgreSQL: one statement-level trigger per table (also on TRUNCATE). SQLite:
row-level triggers, one per kind of write.
"""

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


def install(schema_editor, tables: list[str]) -> None:
    run = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        run(POSTGRES_FUNCTION)
        for table in tables:
            run(
                f"CREATE TRIGGER {table}_schedule_changed AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION bookings_schedule_changed()"
            )
    elif vendor == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(
                    f"CREATE TRIGGER {table}_schedule_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {SQLITE_BUMP}; END"
                )
    else:
        raise RuntimeError(f"No schedule-version triggers for {vendor}")


def remove(schema_editor, tables: list[str], *, drop_function: bool = False) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            run(f"DROP TRIGGER IF EXISTS {table}_schedule_changed ON {table}")
        if drop_function:  # only bookings, which owns it; other apps' triggers use it
            run("DROP FUNCTION IF EXISTS bookings_schedule_changed()")
    else:
        for table in tables:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {table}_schedule_{event}")
