"""The texts app's share of the staff roles (groups made by `bookings.roles`): the front
desk reads the inbox and texts, answers clients (adding a text) and sees blocked numbers;
managers may do everything, including each service's reminder lead time."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

FRONT_DESK_PERMISSIONS = [
    "view_inbound", "view_text", "add_text", "view_number", "view_clienttexts",
    "view_servicetexts", "view_attendance",
]  # fmt: skip


def grant_texts_permissions(apps=global_apps, **_signal_kwargs) -> None:
    create_permissions(global_apps.get_app_config("texts"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="texts")
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*permissions)
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*permissions.filter(codename__in=FRONT_DESK_PERMISSIONS))
