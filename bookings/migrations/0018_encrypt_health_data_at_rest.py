"""Health data at rest: intake answers and reasons, session notes, the history's details (the
reviewer's note) and a clearance's who, role, scope, restrictions and conditions become
encrypted fields (core/encrypted_fields.py), and the rows already there are encrypted.
Going back decrypts them first. JSON columns become text holding ciphertext.
"""

import django.core.validators
from django.db import migrations

import core.encrypted_fields
from bookings.migrations._field_encryption import convert

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
        ("bookings", "0017_clearance_withdrawal"),
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
