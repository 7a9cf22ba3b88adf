from django.apps import AppConfig
from django.db.models.signals import post_migrate


def grant_reports_to_managers(apps=None, **_signal_kwargs) -> None:
    """The Clinic manager role may open the reports; nobody else (superusers have every
    permission). Runs after every migrate and test flush, like `bookings.roles.ensure_roles`."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from bookings.roles import CLINIC_MANAGER

    create_permissions(global_apps.get_app_config("reports"), verbosity=0)
    manager, _ = Group.objects.get_or_create(name=CLINIC_MANAGER)
    manager.permissions.add(
        *Permission.objects.filter(content_type__app_label="reports", codename="view_reports")
    )


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Manager reports"

    def ready(self) -> None:
        post_migrate.connect(
            grant_reports_to_managers, sender=self, dispatch_uid="reports.grant_to_managers"
        )
