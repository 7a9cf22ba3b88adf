"""The session chart at rest: SOAP texts, the regions worked and their responses, and addenda
become encrypted fields and the existing rows are encrypted (decrypted again going back).
One entry per region can no longer be a unique index over ciphertext; `charts.services`
keeps it (it always refused a region twice).
"""

import json

import django.core.validators
from django.db import migrations

import core.encrypted_fields

# Rows are converted by the code below, written out here (a migration runs no live code):
# plain SQL in batches of BATCH by primary key; values already encrypted are left alone;
# on PostgreSQL a table's own triggers (the signed chart's guard) are off while its rows are
# rewritten, inside this migration's transaction.

PREFIX = "fe1:"
BATCH = 500


def _encrypted(field, raw: str, *, is_json: bool) -> str:
    if raw.startswith(PREFIX):
        return raw
    return field.get_prep_value(json.loads(raw) if is_json else raw)


def _decrypted(field, raw: str, *, is_json: bool) -> str:
    if not raw.startswith(PREFIX):
        return raw
    value = field.from_db_value(raw, None, None)
    return json.dumps(value) if is_json else value


def _has_own_triggers(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass"
            " AND NOT tgisinternal)",
            [table],
        )
        return cursor.fetchone()[0]


def convert(apps, schema_editor, *, app_label: str, fields: dict[str, list[str]], forward: bool):
    """Rewrite every row of `fields` ({model name: [field names]}) of `app_label`."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    for model_name, names in fields.items():
        model = apps.get_model(app_label, model_name)
        table = quote(model._meta.db_table)
        pk = quote(model._meta.pk.column)
        guarded = connection.vendor == "postgresql" and _has_own_triggers(connection, table)
        if guarded:
            # ALTER TABLE refuses while this transaction's deferred key checks wait.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for name in names:
            field = model._meta.get_field(name)
            is_json = type(field).__name__ == "EncryptedJSONField"
            column = quote(field.column)
            last = None
            while True:
                with connection.cursor() as cursor:
                    where = "" if last is None else f"WHERE {pk} > %s "
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608 - quoted names
                        ([] if last is None else [last]) + [BATCH],
                    )
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    last = rows[-1][0]
                    change = _encrypted if forward else _decrypted
                    updates = [
                        (new, row_pk)
                        for row_pk, raw in rows
                        if raw is not None and (new := change(field, raw, is_json=is_json)) != raw
                    ]
                    if updates:
                        cursor.executemany(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608 - quoted names
                            updates,
                        )
        if guarded:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        if connection.vendor == "postgresql":
            # Going back, the columns' types change next, which PostgreSQL refuses while
            # the key checks of these updates wait: run them now.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


FIELDS = {
    "chartnote": ["subjective", "objective", "assessment", "plan"],
    "regionentry": ["region", "client_response"],
    "addendum": ["text"],
}


def encrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="charts", fields=FIELDS, forward=True)


def decrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="charts", fields=FIELDS, forward=False)


# SQLite rebuilds the altered tables, which drops their triggers: they are dropped first and
# put back at the end, from the migration that made them (PostgreSQL keeps its triggers
# through ALTER TABLE; `convert` switches them off while it rewrites rows).
# The SQLite triggers of charts 0002, written out again.
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


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for statement in SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("charts", "0002_signed_notes_triggers"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.RemoveConstraint(
            model_name="regionentry",
            name="regionentry_one_per_region",
        ),
        migrations.AlterField(
            model_name="addendum",
            name="text",
            field=core.encrypted_fields.EncryptedTextField(
                max_length=4000, validators=[django.core.validators.MaxLengthValidator(4000)]
            ),
        ),
        migrations.AlterField(
            model_name="chartnote",
            name="assessment",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                help_text="How the body responded; your judgement.",
                max_length=4000,
                validators=[django.core.validators.MaxLengthValidator(4000)],
                verbose_name="Assessment",
            ),
        ),
        migrations.AlterField(
            model_name="chartnote",
            name="objective",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                help_text="What you observed and did.",
                max_length=4000,
                validators=[django.core.validators.MaxLengthValidator(4000)],
                verbose_name="Objective",
            ),
        ),
        migrations.AlterField(
            model_name="chartnote",
            name="plan",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                help_text="What next time should do: pressure, regions, frequency.",
                max_length=4000,
                validators=[django.core.validators.MaxLengthValidator(4000)],
                verbose_name="Plan",
            ),
        ),
        migrations.AlterField(
            model_name="chartnote",
            name="subjective",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                help_text="What the client reports: how they feel, goals.",
                max_length=4000,
                validators=[django.core.validators.MaxLengthValidator(4000)],
                verbose_name="Subjective",
            ),
        ),
        migrations.AlterField(
            model_name="regionentry",
            name="client_response",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                max_length=500,
                validators=[django.core.validators.MaxLengthValidator(500)],
                verbose_name="Client's response",
            ),
        ),
        migrations.AlterField(
            model_name="regionentry",
            name="region",
            field=core.encrypted_fields.EncryptedTextField(
                choices=[
                    ("neck", "Neck"),
                    ("shoulder_left", "Shoulder, left"),
                    ("shoulder_right", "Shoulder, right"),
                    ("upper_back_left", "Upper back, left"),
                    ("upper_back_right", "Upper back, right"),
                    ("mid_back_left", "Mid back, left"),
                    ("mid_back_right", "Mid back, right"),
                    ("lower_back_left", "Lower back, left"),
                    ("lower_back_right", "Lower back, right"),
                    ("glute_left", "Glute, left"),
                    ("glute_right", "Glute, right"),
                    ("hamstring_left", "Hamstring, left"),
                    ("hamstring_right", "Hamstring, right"),
                    ("calf_left", "Calf, left"),
                    ("calf_right", "Calf, right"),
                    ("foot_sole_left", "Sole of the foot, left"),
                    ("foot_sole_right", "Sole of the foot, right"),
                    ("arm_back_left", "Back of the arm, left"),
                    ("arm_back_right", "Back of the arm, right"),
                    ("chest_left", "Chest, left"),
                    ("chest_right", "Chest, right"),
                    ("abdomen", "Abdomen"),
                    ("hip_front_left", "Front of the hip, left"),
                    ("hip_front_right", "Front of the hip, right"),
                    ("quadriceps_left", "Front of the thigh, left"),
                    ("quadriceps_right", "Front of the thigh, right"),
                    ("knee_left", "Knee, left"),
                    ("knee_right", "Knee, right"),
                    ("shin_left", "Shin, left"),
                    ("shin_right", "Shin, right"),
                    ("arm_front_left", "Front of the arm, left"),
                    ("arm_front_right", "Front of the arm, right"),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
