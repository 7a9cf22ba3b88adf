from django.apps import AppConfig


class TextsConfig(AppConfig):
    name = "texts"
    verbose_name = "Text messages"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from bookings import signals
        from outbox.models import Email
        from texts import checks, receivers  # noqa: F401 (checks registers itself)

        signals.booking_written.connect(receivers.booking_written, dispatch_uid="texts")
        post_save.connect(receivers.email_queued, sender=Email, dispatch_uid="texts")
