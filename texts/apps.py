from django.apps import AppConfig


class TextsConfig(AppConfig):
    name = "texts"
    verbose_name = "Text messages"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save

        from bookings import privacy as bookings_privacy
        from bookings import signals
        from outbox.models import Email
        from texts import checks, privacy, receivers, roles  # noqa: F401 (checks registers)

        signals.booking_written.connect(receivers.booking_written, dispatch_uid="texts")
        post_save.connect(receivers.email_queued, sender=Email, dispatch_uid="texts")
        post_migrate.connect(roles.grant_texts_permissions, sender=self)
        bookings_privacy.appointments_erased.connect(
            privacy.on_appointments_erased, dispatch_uid="texts"
        )
        bookings_privacy.client_exported.connect(privacy.on_client_exported, dispatch_uid="texts")
