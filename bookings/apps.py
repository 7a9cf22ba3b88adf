from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from bookings.privacy import log_health_list
        from bookings.roles import ensure_roles
        from core.admin_privacy import health_list_shown

        # After every migrate and every test flush, like Django's own permissions.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="bookings.ensure_roles")
        # An admin list narrowed by an intake's outcome is a read of those intakes.
        health_list_shown.connect(log_health_list, dispatch_uid="bookings.log_health_list")
