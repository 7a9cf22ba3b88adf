"""Chart permissions for the staff roles of `bookings.roles`.

The front desk may see that a note exists (the admin's list: session, therapist, status,
signed when), never its content; the clinic manager gets every chart permission. Content is
shown only to users who may read full intakes (`bookings.privacy.may_read_full_intake`).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

FRONT_DESK_PERMISSIONS = ["view_chartnote"]


def ensure_chart_roles(apps=global_apps, **_signal_kwargs) -> None:
    create_permissions(global_apps.get_app_config("charts"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    charts = Permission.objects.filter(content_type__app_label="charts")
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*charts.filter(codename__in=FRONT_DESK_PERMISSIONS))
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*charts)
