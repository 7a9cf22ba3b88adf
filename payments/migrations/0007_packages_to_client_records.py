"""Packages sold before they belonged to a client record: link each to the record with the
same e-mail address (case-insensitive; a merged record leads to the one it was merged
into, one step; no link when no record, or more than one, has that address), and record the price
paid from the plan, as the plan said when this migration ran."""

from django.db import migrations


def link_packages(apps, schema_editor):
    Package = apps.get_model("payments", "Package")
    Client = apps.get_model("clients", "Client")
    for package in Package.objects.select_related("plan").filter(client__isnull=True):
        records = {
            merged_into or pk
            for pk, merged_into in Client.objects.filter(
                email__iexact=package.client_email.strip()
            ).values_list("pk", "merged_into")
        }
        package.client_id = records.pop() if len(records) == 1 else None
        if not package.price_cents:
            package.price_cents = package.plan.price_cents
        package.save(update_fields=["client", "price_cents"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_online_sales"),
    ]

    operations = [
        migrations.RunPython(link_packages, migrations.RunPython.noop),
    ]
