"""Database triggers: a signed note is read-only, and after 24 hours cannot be deleted.

`charts.services` refuses these changes first, with a message for the therapist; the triggers
make sure no other path (the shell, a bulk update, a bug) can rewrite or remove a signed
record. The one change allowed to a signed note is erasure of the client's data: emptying the
texts and setting `erased_at` (see `charts.privacy.erase_charts`).

- charts_chartnote: UPDATE of a signed note may not change its texts, pressure, session or
  signing time, except to empty them while setting `erased_at`; DELETE of a note signed more
  than 24 hours ago is refused.
- charts_regionentry: no INSERT or UPDATE under a signed note; DELETE only while the note may
  itself be deleted (draft, or signed within 24 hours) or once it is erased.
- charts_addendum: UPDATE only to empty the text of an erased note's addendum; DELETE under
  the same rule as region entries.
Errors are SQLSTATE 23001 (restrict_violation) on PostgreSQL, so Django raises IntegrityError;
SQLite's RAISE(ABORT) does the same.
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION charts_note_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.signed_at IS NOT NULL AND OLD.signed_at < now() - interval '24 hours' THEN
      RAISE EXCEPTION 'A signed session note older than 24 hours cannot be deleted.'
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.signed_at IS NOT NULL THEN
    IF NEW.signed_at IS DISTINCT FROM OLD.signed_at
       OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id THEN
      RAISE EXCEPTION 'A signed session note keeps its session and signing time.'
        USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.erased_at IS NULL AND (
         NEW.subjective, NEW.objective, NEW.assessment, NEW.plan, NEW.pressure_used
       ) IS DISTINCT FROM (
         OLD.subjective, OLD.objective, OLD.assessment, OLD.plan, OLD.pressure_used
       ) THEN
      RAISE EXCEPTION 'A signed session note is read-only: add an addendum instead.'
        USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.erased_at IS NOT NULL AND NEW.erased_at IS NULL THEN
      RAISE EXCEPTION 'An erased session note stays erased.' USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION charts_note_is_locked(note bigint) RETURNS boolean AS $$
  SELECT EXISTS (
    SELECT 1 FROM charts_chartnote
    WHERE id = note AND signed_at IS NOT NULL AND erased_at IS NULL
  )
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION charts_note_is_kept(note bigint) RETURNS boolean AS $$
  SELECT EXISTS (
    SELECT 1 FROM charts_chartnote
    WHERE id = note AND signed_at IS NOT NULL AND erased_at IS NULL
      AND signed_at < now() - interval '24 hours'
  )
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION charts_child_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF charts_note_is_kept(OLD.note_id) THEN
      RAISE EXCEPTION 'Parts of a signed session note older than 24 hours cannot be deleted.'
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_TABLE_NAME = 'charts_addendum' THEN
    IF TG_OP = 'UPDATE' AND NOT (
         NEW.text = '' AND EXISTS (
           SELECT 1 FROM charts_chartnote WHERE id = NEW.note_id AND erased_at IS NOT NULL)
       ) THEN
      RAISE EXCEPTION 'An addendum cannot be changed: add another one.'
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF charts_note_is_locked(NEW.note_id)
     OR (TG_OP = 'UPDATE' AND charts_note_is_locked(OLD.note_id)) THEN
    RAISE EXCEPTION 'A signed session note is read-only: add an addendum instead.'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER charts_note_guard BEFORE UPDATE OR DELETE ON charts_chartnote
  FOR EACH ROW EXECUTE FUNCTION charts_note_guard();
CREATE TRIGGER charts_regionentry_guard BEFORE INSERT OR UPDATE OR DELETE ON charts_regionentry
  FOR EACH ROW EXECUTE FUNCTION charts_child_guard();
CREATE TRIGGER charts_addendum_guard BEFORE UPDATE OR DELETE ON charts_addendum
  FOR EACH ROW EXECUTE FUNCTION charts_child_guard();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS charts_note_guard ON charts_chartnote;
DROP TRIGGER IF EXISTS charts_regionentry_guard ON charts_regionentry;
DROP TRIGGER IF EXISTS charts_addendum_guard ON charts_addendum;
DROP FUNCTION IF EXISTS charts_child_guard();
DROP FUNCTION IF EXISTS charts_note_is_kept(bigint);
DROP FUNCTION IF EXISTS charts_note_is_locked(bigint);
DROP FUNCTION IF EXISTS charts_note_guard();
"""

# Django keeps SQLite datetimes as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which compares
# correctly as text with strftime's output.
SQLITE_CUTOFF = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-24 hours')"
SQLITE_LOCKED = (
    "EXISTS (SELECT 1 FROM charts_chartnote n WHERE n.id = {note}"
    " AND n.signed_at IS NOT NULL AND n.erased_at IS NULL)"
)
SQLITE_KEPT = (
    "EXISTS (SELECT 1 FROM charts_chartnote n WHERE n.id = {note} AND n.signed_at IS NOT NULL"
    " AND n.erased_at IS NULL"
    " AND n.signed_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-24 hours'))"
)
SQLITE = [
    f"""CREATE TRIGGER charts_note_no_delete BEFORE DELETE ON charts_chartnote
    WHEN OLD.signed_at IS NOT NULL AND OLD.signed_at < {SQLITE_CUTOFF}
    BEGIN SELECT RAISE(ABORT, 'A signed session note older than 24 hours cannot be deleted.'); END""",
    """CREATE TRIGGER charts_note_read_only BEFORE UPDATE ON charts_chartnote
    WHEN OLD.signed_at IS NOT NULL AND (
      NEW.signed_at IS NOT OLD.signed_at OR NEW.appointment_id IS NOT OLD.appointment_id
      OR (OLD.erased_at IS NOT NULL AND NEW.erased_at IS NULL)
      OR (NEW.erased_at IS NULL AND (
        NEW.subjective IS NOT OLD.subjective OR NEW.objective IS NOT OLD.objective
        OR NEW.assessment IS NOT OLD.assessment OR NEW.plan IS NOT OLD.plan
        OR NEW.pressure_used IS NOT OLD.pressure_used)))
    BEGIN SELECT RAISE(ABORT, 'A signed session note is read-only: add an addendum instead.'); END""",
    f"""CREATE TRIGGER charts_regionentry_no_insert BEFORE INSERT ON charts_regionentry
    WHEN {SQLITE_LOCKED.format(note="NEW.note_id")}
    BEGIN SELECT RAISE(ABORT, 'A signed session note is read-only: add an addendum instead.'); END""",
    f"""CREATE TRIGGER charts_regionentry_no_update BEFORE UPDATE ON charts_regionentry
    WHEN {SQLITE_LOCKED.format(note="NEW.note_id")} OR {SQLITE_LOCKED.format(note="OLD.note_id")}
    BEGIN SELECT RAISE(ABORT, 'A signed session note is read-only: add an addendum instead.'); END""",
    f"""CREATE TRIGGER charts_regionentry_no_delete BEFORE DELETE ON charts_regionentry
    WHEN {SQLITE_KEPT.format(note="OLD.note_id")}
    BEGIN SELECT RAISE(ABORT, 'Parts of a signed session note older than 24 hours cannot be deleted.'); END""",
    """CREATE TRIGGER charts_addendum_no_update BEFORE UPDATE ON charts_addendum
    WHEN NOT (NEW.text = '' AND EXISTS (
      SELECT 1 FROM charts_chartnote n WHERE n.id = NEW.note_id AND n.erased_at IS NOT NULL))
    BEGIN SELECT RAISE(ABORT, 'An addendum cannot be changed: add another one.'); END""",
    f"""CREATE TRIGGER charts_addendum_no_delete BEFORE DELETE ON charts_addendum
    WHEN {SQLITE_KEPT.format(note="OLD.note_id")}
    BEGIN SELECT RAISE(ABORT, 'Parts of a signed session note older than 24 hours cannot be deleted.'); END""",
]
SQLITE_TRIGGERS = [
    "charts_note_no_delete",
    "charts_note_read_only",
    "charts_regionentry_no_insert",
    "charts_regionentry_no_update",
    "charts_regionentry_no_delete",
    "charts_addendum_no_update",
    "charts_addendum_no_delete",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("charts", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
