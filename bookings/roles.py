"""Staff roles as groups: Front desk and Clinic manager (SPEC "Who uses it").

The front desk runs appointments, clients, working hours and time off, and sees intake flags
and outcomes but not the full health answers. The clinic manager may do everything,
including verifying credentials, reviewing intakes and reading full answers.

`ensure_roles` is idempotent. The data migration 0003 creates the groups; this function
gives them their permissions after every migrate (post_migrate), as Django does for
permissions, so a database that was flushed (tests do this) gets its roles back.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

FRONT_DESK = "Front desk"
CLINIC_MANAGER = "Clinic manager"

FRONT_DESK_PERMISSIONS = {
    "bookings": [
        "view_appointment", "add_appointment", "change_appointment",
        "view_appointmentevent", "view_sessionnote",
        "view_room", "view_service", "view_style", "view_closedday",
        "view_treatmentplan", "add_treatmentplan", "change_treatmentplan",
    ],
    "clients": [
        "view_client", "add_client", "change_client", "merge_client", "view_clientmerge",
    ],
    "health": ["view_intake"],
    "therapists": [
        "view_therapist", "view_credential",
        "view_workinghours", "add_workinghours", "change_workinghours", "delete_workinghours",
        "view_timeoff", "add_timeoff", "change_timeoff", "delete_timeoff",
        "view_hourschange", "view_calendarconnection", "view_externalbusy",
    ],
    "waitlist": ["view_waitlistentry", "change_waitlistentry", "view_waitlistoffer"],
    "outbox": ["view_email", "view_reminder"],
    "accounts": ["view_erasurerequest", "change_erasurerequest"],
}  # fmt: skip
MANAGED_APPS = (
    "bookings",
    "clients",
    "health",
    "therapists",
    "waitlist",
    "outbox",
    "accounts",
    "policy",
)


def ensure_roles(apps=global_apps, **_signal_kwargs) -> None:
    """Create both groups with their permissions (historical `apps` in migrations)."""
    # Permissions are normally created after all migrations; the roles need them now.
    for app_label in MANAGED_APPS:
        create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    front_desk, _ = Group.objects.get_or_create(name=FRONT_DESK)
    for app_label, codenames in FRONT_DESK_PERMISSIONS.items():
        front_desk.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(*Permission.objects.filter(content_type__app_label__in=MANAGED_APPS))
