"""Staff roles as groups: Front desk and Clinic manager (see bookings/roles.py)."""

from django.db import migrations

from bookings.roles import CLINIC_MANAGER, FRONT_DESK, ensure_roles


def create_roles(apps, schema_editor):
    ensure_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[FRONT_DESK, CLINIC_MANAGER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0002_history_notes_and_intake_access"),
        ("therapists", "0002_calendar_token_and_verify_permission"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
