"""The client record and the health data now live in the `clients` and `health` apps.

State only: every table, column, index, constraint and trigger stays as it was. The
booking engine's foreign keys now name the moved models, and `bookings` forgets its copies
(the other apps' keys moved first: accounts 0002, payments 0004).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0019_encrypt_health_data_at_rest"),
        ("clients", "0001_initial"),
        ("health", "0001_initial"),
        ("accounts", "0002_erasure_client_moved_to_clients"),
        ("payments", "0004_card_client_moved_to_clients"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="appointment",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointments",
                        to="clients.client",
                    ),
                ),
                migrations.AlterField(
                    model_name="treatmentplan",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="treatment_plans",
                        to="clients.client",
                    ),
                ),
                migrations.AlterField(
                    model_name="appointment",
                    name="intake",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="appointment",
                        to="health.intake",
                    ),
                ),
                # Leaves first: nothing may point at a model that is gone.
                migrations.DeleteModel(name="IntakeAccess"),
                migrations.DeleteModel(name="IntakeRevision"),
                migrations.DeleteModel(name="ReconfirmationLink"),
                migrations.DeleteModel(name="ClearanceAccess"),
                migrations.DeleteModel(name="Clearance"),
                migrations.DeleteModel(name="ClientMerge"),
                migrations.DeleteModel(name="Intake"),
                migrations.DeleteModel(name="Client"),
            ],
        ),
    ]
