"""Form permissions for the staff roles of `bookings.roles`.

The clinic manager builds forms (every permission here). The front desk sees on the client
record that a form was answered and the answers of forms that hold no health data
(`view_formresponse`); health-data answers follow `responses.may_read_response`.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

FRONT_DESK_PERMISSIONS = ["view_formresponse"]


def ensure_form_roles(apps=global_apps, **_signal_kwargs) -> None:
    create_permissions(global_apps.get_app_config("clinic_forms"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label="clinic_forms")
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    front_desk.permissions.add(*ours.filter(codename__in=FRONT_DESK_PERMISSIONS))
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*ours)
