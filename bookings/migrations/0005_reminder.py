"""Adopt the Reminder model from the outbox: the table (`bookings_reminder`, renamed by
`outbox.0002`) already holds the rows, so this changes Django's state only. The content type
follows the model, so permissions granted on reminders keep working."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="bookings", model="reminder").exists():
        return
    ContentType.objects.filter(app_label="outbox", model="reminder").update(app_label="bookings")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="outbox", model="reminder").exists():
        return
    ContentType.objects.filter(app_label="bookings", model="reminder").update(app_label="outbox")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_client_names_on_one_line"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0002_reminder_moves_to_bookings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reminder",
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
                            "kind",
                            models.CharField(
                                choices=[("day_before", "Reminder before the session")],
                                default="day_before",
                                max_length=20,
                            ),
                        ),
                        ("appointment_start", models.DateTimeField()),
                        ("due_at", models.DateTimeField()),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("outcome", models.CharField(blank=True, max_length=40)),
                        (
                            "appointment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reminders",
                                to="bookings.appointment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["due_at"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("sent_at__isnull", True)),
                                fields=["due_at"],
                                name="reminder_unsent_due",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("appointment", "kind"), name="reminder_once_per_kind"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=True),
    ]
