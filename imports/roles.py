"""The imports app's share of the staff roles: only the clinic manager imports."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER

RUN_IMPORT = "imports.run_import"


def grant_import_permissions(apps=global_apps, **_signal_kwargs) -> None:
    """Managers get every imports permission; the front desk none (an import writes
    hundreds of records and bookings at once)."""
    create_permissions(global_apps.get_app_config("imports"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*Permission.objects.filter(content_type__app_label="imports"))


def may_import(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm(RUN_IMPORT))
