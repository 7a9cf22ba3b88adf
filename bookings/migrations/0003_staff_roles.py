"""Staff roles as groups: Front desk and Clinic manager (SPEC "Who uses it").

The front desk runs appointments, clients, working hours and time off, and sees intake flags
and outcomes but not the full health answers. The clinic manager may do everything,
including verifying credentials, reviewing intakes and reading full answers.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK = "Front desk"
CLINIC_MANAGER = "Clinic manager"

FRONT_DESK_PERMISSIONS = {
    "bookings": [
        "view_appointment", "add_appointment", "change_appointment",
        "view_client", "add_client", "change_client",
        "view_intake", "view_appointmentevent", "view_sessionnote",
        "view_room", "view_service", "view_style", "view_closedday",
    ],
    "therapists": [
        "view_therapist", "view_credential",
        "view_workinghours", "add_workinghours", "change_workinghours", "delete_workinghours",
        "view_timeoff", "add_timeoff", "change_timeoff", "delete_timeoff",
    ],
}  # fmt: skip


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_label in ("bookings", "therapists"):
        create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    for app_label, codenames in FRONT_DESK_PERMISSIONS.items():
        front_desk.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["bookings", "therapists"])
    )


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
