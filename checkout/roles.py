"""The checkout app's share of the staff roles: managers set tax rates, promo codes and
commissions; the front desk may read them (it applies codes at the desk)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

FRONT_DESK_PERMISSIONS = ["view_promocode", "view_servicetax", "view_checkout"]


def grant_checkout_permissions(apps=global_apps, **_signal_kwargs) -> None:
    create_permissions(global_apps.get_app_config("checkout"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="checkout")
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*permissions)
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*permissions.filter(codename__in=FRONT_DESK_PERMISSIONS))
