"""The session chart at rest: SOAP texts, the regions worked and their responses, and addenda
become encrypted fields and the existing rows are encrypted (decrypted again going back).
One entry per region can no longer be a unique index over ciphertext; `charts.services`
keeps it (it always refused a region twice).
"""

import importlib

import django.core.validators
from django.db import migrations

import core.encrypted_fields
from charts.migrations._field_encryption import convert

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
_triggers = importlib.import_module("charts.migrations.0002_signed_notes_triggers")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in _triggers.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for statement in _triggers.SQLITE:
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
