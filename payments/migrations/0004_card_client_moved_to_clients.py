"""A card on file belongs to a client, whose model now lives in the `clients` app."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("payments", "0003_cards_on_file_plural"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # Same table, same column, same constraint: only the model it names moved.
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="cardonfile",
                    name="client",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cards_on_file",
                        to="clients.client",
                    ),
                ),
            ],
        ),
    ]
