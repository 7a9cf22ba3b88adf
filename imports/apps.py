from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from bookings import privacy as bookings_privacy
        from imports import privacy, roles

        bookings_privacy.client_erased.connect(privacy.on_client_erased, dispatch_uid="imports")
        post_migrate.connect(roles.grant_import_permissions, sender=self)
