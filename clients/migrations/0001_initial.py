"""The client record moves out of `bookings`: Client and ClientMerge, tables unchanged."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import clients.validators


def content_types_follow(apps, schema_editor):
    """Existing content types (and so permissions, and the admin log's rows) follow the
    models: `bookings | client` becomes `clients | client`. A new database has none yet."""
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="bookings", model__in=("client", "clientmerge")).update(
        app_label="clients"
    )


def content_types_go_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="clients", model__in=("client", "clientmerge")).update(
        app_label="bookings"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("bookings", "0019_encrypt_health_data_at_rest"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are (`db_table`): only Django's picture moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Client",
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
                            "name",
                            models.CharField(
                                max_length=200, validators=[clients.validators.validate_person_name]
                            ),
                        ),
                        ("email", models.EmailField(max_length=254)),
                        ("phone", models.CharField(max_length=40)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "confirmed_at",
                            models.DateTimeField(
                                blank=True,
                                editable=False,
                                help_text="When the record was verified.",
                                null=True,
                            ),
                        ),
                        (
                            "confirmed_by",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("clinic", "The clinic checked the client's identity"),
                                    (
                                        "email_link",
                                        "The client opened a sign-in link sent to this address",
                                    ),
                                ],
                                editable=False,
                                max_length=20,
                            ),
                        ),
                        (
                            "merged_into",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                help_text="This row was the same person as that record; its bookings moved there.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="merged_records",
                                to="clients.client",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "bookings_client",
                        "ordering": ["name"],
                        "permissions": [
                            ("merge_client", "Can merge two client records of the same person")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ClientMerge",
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
                        ("appointments_moved", models.PositiveIntegerField(default=0)),
                        (
                            "by",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty when the client's own sign-in link joined the records.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "kept",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="merges_kept",
                                to="clients.client",
                            ),
                        ),
                        (
                            "merged",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="merges_folded",
                                to="clients.client",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "bookings_clientmerge",
                        "ordering": ["-at"],
                    },
                ),
                migrations.AddIndex(
                    model_name="client",
                    index=models.Index(fields=["email"], name="bookings_cl_email_215860_idx"),
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
