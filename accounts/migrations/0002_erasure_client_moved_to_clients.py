"""An erasure request names a client, whose model now lives in the `clients` app."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # Same table, same column, same constraint: only the model it names moved.
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="erasurerequest",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="erasure_requests",
                        to="clients.client",
                    ),
                ),
            ],
        ),
    ]
