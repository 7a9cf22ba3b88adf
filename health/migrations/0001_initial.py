"""Health data moves out of `bookings`: intakes, their revisions and re-confirmation links,
clearances, and the logs of their reads. Tables and ciphertexts unchanged."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.encrypted_fields


def content_types_follow(apps, schema_editor):
    """Existing content types (and so permissions, and the admin log's rows) follow the
    models: `bookings | intake` becomes `health | intake`. A new database has none yet."""
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(
        app_label="bookings",
        model__in=(
            "intake",
            "intakeaccess",
            "intakerevision",
            "reconfirmationlink",
            "clearance",
            "clearanceaccess",
        ),
    ).update(app_label="health")


def content_types_go_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(
        app_label="health",
        model__in=(
            "intake",
            "intakeaccess",
            "intakerevision",
            "reconfirmationlink",
            "clearance",
            "clearanceaccess",
        ),
    ).update(app_label="bookings")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("bookings", "0019_encrypt_health_data_at_rest"),
        ("clients", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are (`db_table`): only Django's picture moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Intake",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("questionnaire_version", models.PositiveSmallIntegerField()),
                        (
                            "answers",
                            core.encrypted_fields.EncryptedJSONField(
                                sealed_under="bookings.intake"
                            ),
                        ),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("clear", "Clear"),
                                    ("light_pressure", "Light pressure only"),
                                    ("needs_clearance", "Needs clearance"),
                                    ("declined", "Declined"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "reasons",
                            core.encrypted_fields.EncryptedJSONField(
                                blank=True, default=list, sealed_under="bookings.intake"
                            ),
                        ),
                        (
                            "effective_pressure",
                            models.CharField(
                                choices=[
                                    ("light", "Light"),
                                    ("medium", "Medium"),
                                    ("deep", "Deep"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "bookings_intake",
                        "ordering": ["-created_at"],
                        "permissions": [
                            ("view_full_intake", "Can read a client's full health answers"),
                            (
                                "review_intake",
                                "Can approve or decline a booking that needs clearance",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Clearance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "cleared_by_name",
                            core.encrypted_fields.EncryptedTextField(
                                max_length=200,
                                sealed_under="bookings.clearance",
                                validators=[django.core.validators.MaxLengthValidator(200)],
                                verbose_name="Cleared by",
                            ),
                        ),
                        (
                            "cleared_by_role",
                            core.encrypted_fields.EncryptedTextField(
                                choices=[
                                    ("physician", "Physician"),
                                    ("physiotherapist", "Physiotherapist"),
                                    ("chiropractor", "Chiropractor"),
                                    ("midwife", "Midwife"),
                                    ("other", "Other health professional"),
                                ],
                                max_length=20,
                                sealed_under="bookings.clearance",
                                verbose_name="Their role",
                            ),
                        ),
                        ("cleared_on", models.DateField(verbose_name="Date of clearance")),
                        (
                            "valid_until",
                            models.DateField(
                                help_text="The last session date it covers (default: 12 months after the clearance)."
                            ),
                        ),
                        (
                            "scope",
                            core.encrypted_fields.EncryptedTextField(
                                choices=[
                                    ("full", "Full: any pressure the client asks for"),
                                    ("light_pressure", "Light pressure only"),
                                ],
                                max_length=20,
                                sealed_under="bookings.clearance",
                            ),
                        ),
                        (
                            "restrictions",
                            core.encrypted_fields.EncryptedTextField(
                                blank=True,
                                help_text="Anything else the professional restricted (areas, positions).",
                                max_length=1000,
                                sealed_under="bookings.clearance",
                                validators=[django.core.validators.MaxLengthValidator(1000)],
                            ),
                        ),
                        (
                            "conditions",
                            core.encrypted_fields.EncryptedJSONField(
                                default=list,
                                help_text="The intake conditions (question keys) it clears.",
                                sealed_under="bookings.clearance",
                            ),
                        ),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "letter_file",
                            models.CharField(blank=True, editable=False, max_length=100),
                        ),
                        (
                            "letter_type",
                            models.CharField(blank=True, editable=False, max_length=40),
                        ),
                        ("letter_size", models.PositiveIntegerField(default=0, editable=False)),
                        (
                            "withdrawn_at",
                            models.DateTimeField(blank=True, editable=False, null=True),
                        ),
                        (
                            "withdrawn_reason",
                            core.encrypted_fields.EncryptedTextField(
                                blank=True,
                                editable=False,
                                max_length=1000,
                                sealed_under="bookings.clearance",
                            ),
                        ),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="clearances",
                                to="clients.client",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "withdrawn_by",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "bookings_clearance",
                        "ordering": ["-valid_until", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="ClearanceAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        (
                            "where",
                            models.CharField(help_text="The page that showed it.", max_length=100),
                        ),
                        (
                            "clearance",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="accesses",
                                to="health.clearance",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "clearance accesses",
                        "db_table": "bookings_clearanceaccess",
                        "ordering": ["-at"],
                    },
                ),
                migrations.CreateModel(
                    name="IntakeAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        (
                            "where",
                            models.CharField(
                                help_text="The page or export that showed them.", max_length=100
                            ),
                        ),
                        (
                            "intake",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="accesses",
                                to="health.intake",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "intake accesses",
                        "db_table": "bookings_intakeaccess",
                        "ordering": ["-at"],
                    },
                ),
                migrations.CreateModel(
                    name="IntakeRevision",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        (
                            "appointment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="intake_revisions",
                                to="bookings.appointment",
                            ),
                        ),
                        (
                            "current",
                            models.OneToOneField(
                                editable=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="replaces",
                                to="health.intake",
                            ),
                        ),
                        (
                            "previous",
                            models.OneToOneField(
                                editable=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="replaced_by",
                                to="health.intake",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "bookings_intakerevision",
                        "ordering": ["appointment", "at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="ReconfirmationLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "token_hash",
                            models.CharField(editable=False, max_length=64, unique=True),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "appointment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reconfirmation_links",
                                to="bookings.appointment",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "bookings_reconfirmationlink",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="clearance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("cleared_on__lte", models.F("valid_until"))),
                        name="clearance_valid_after_it_was_given",
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
