"""A waitlist entry's health answers become an encrypted field; existing rows are encrypted
(and decrypted again going back).
"""

from django.db import migrations

import core.encrypted_fields
from waitlist.migrations._field_encryption import convert

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
