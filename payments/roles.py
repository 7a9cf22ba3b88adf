"""The payments app's share of the staff roles (groups made by `bookings.roles`)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

FRONT_DESK_PERMISSIONS = [
    "view_payment", "view_ledgerentry", "view_giftcard", "view_package", "view_packageplan",
    "view_paymentpolicy",
]  # fmt: skip


def grant_payment_permissions(apps=global_apps, **_signal_kwargs) -> None:
    """Managers get every payments permission, the front desk the read-only ones."""
    create_permissions(global_apps.get_app_config("payments"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="payments")
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*permissions)
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*permissions.filter(codename__in=FRONT_DESK_PERMISSIONS))
