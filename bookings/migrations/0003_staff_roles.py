"""Staff roles as groups: Front desk and Clinic manager (see bookings/roles.py).

The groups are created here; their permissions are granted by `bookings.roles.ensure_roles`
after every migrate (post_migrate, as Django does for permissions), so they always follow the
code of the day and this migration runs no live code.
"""

from django.db import migrations

ROLES = ["Front desk", "Clinic manager"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("bookings", "0002_history_notes_and_intake_access"),
        ("therapists", "0002_calendar_token_and_verify_permission"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
