"""Waitlist entries remember their questionnaire version (issue #13, dated
contraindications): entries that were waiting before version 3 were answered under
version 2, so they get 2; new entries get the current version."""

from django.db import migrations, models

import health.screening


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0005_offers_keep_the_catalog_token")]

    operations = [
        migrations.AddField(
            model_name="waitlistentry",
            name="questionnaire_version",
            field=models.PositiveSmallIntegerField(default=2),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="waitlistentry",
            name="questionnaire_version",
            field=models.PositiveSmallIntegerField(default=health.screening.current_version),
        ),
    ]
