"""A waitlist entry's health answers become an encrypted field; existing rows are encrypted
(and decrypted again going back).
"""

import json

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


FIELDS = {"waitlistentry": ["answers"]}


def encrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="waitlist", fields=FIELDS, forward=True)


def decrypt_rows(apps, schema_editor):
    convert(apps, schema_editor, app_label="waitlist", fields=FIELDS, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0007_entry_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="waitlistentry",
            name="answers",
            field=core.encrypted_fields.EncryptedJSONField(),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
