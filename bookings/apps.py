from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from bookings.roles import ensure_roles

        # After every migrate and every test flush, like Django's own permissions.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="bookings.ensure_roles")
