"""Health data at rest: intake answers and reasons, session notes, the history's details (the
reviewer's note) and a clearance's who, role, scope, restrictions and conditions become
encrypted fields (core/encrypted_fields.py), and the rows already there are encrypted.
Going back decrypts them first. JSON columns become text holding ciphertext.
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
    "intake": ["answers", "reasons"],
    "sessionnote": ["work_done", "client_response"],
    "appointmentevent": ["details"],
    "clearance": [
        "cleared_by_name",
        "cleared_by_role",
        "scope",
        "restrictions",
        "withdrawn_reason",
        "conditions",
    ],
}


def encrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="bookings", fields=FIELDS, forward=True)


def decrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="bookings", fields=FIELDS, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0018_sqlite_appointment_triggers_again"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointmentevent",
            name="details",
            field=core.encrypted_fields.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="cleared_by_name",
            field=core.encrypted_fields.EncryptedTextField(
                max_length=200,
                validators=[django.core.validators.MaxLengthValidator(200)],
                verbose_name="Cleared by",
            ),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="cleared_by_role",
            field=core.encrypted_fields.EncryptedTextField(
                choices=[
                    ("physician", "Physician"),
                    ("physiotherapist", "Physiotherapist"),
                    ("chiropractor", "Chiropractor"),
                    ("midwife", "Midwife"),
                    ("other", "Other health professional"),
                ],
                max_length=20,
                verbose_name="Their role",
            ),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="conditions",
            field=core.encrypted_fields.EncryptedJSONField(
                default=list, help_text="The intake conditions (question keys) it clears."
            ),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="restrictions",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                help_text="Anything else the professional restricted (areas, positions).",
                max_length=1000,
                validators=[django.core.validators.MaxLengthValidator(1000)],
            ),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="scope",
            field=core.encrypted_fields.EncryptedTextField(
                choices=[
                    ("full", "Full: any pressure the client asks for"),
                    ("light_pressure", "Light pressure only"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="intake",
            name="answers",
            field=core.encrypted_fields.EncryptedJSONField(),
        ),
        migrations.AlterField(
            model_name="intake",
            name="reasons",
            field=core.encrypted_fields.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="sessionnote",
            name="client_response",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True,
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="Client's response",
            ),
        ),
        migrations.AlterField(
            model_name="sessionnote",
            name="work_done",
            field=core.encrypted_fields.EncryptedTextField(
                max_length=2000,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="What was done",
            ),
        ),
        migrations.AlterField(
            model_name="clearance",
            name="withdrawn_reason",
            field=core.encrypted_fields.EncryptedTextField(
                blank=True, editable=False, max_length=1000
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
