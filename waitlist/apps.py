from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"

    def ready(self) -> None:
        from bookings import privacy as bookings_privacy
        from waitlist import privacy

        # Erasure, export and retention reach the waitlist through bookings' signals.
        bookings_privacy.client_erased.connect(privacy.on_client_erased, dispatch_uid="waitlist")
        bookings_privacy.client_exported.connect(
            privacy.on_client_exported, dispatch_uid="waitlist"
        )
        bookings_privacy.retention_due.connect(privacy.on_retention_due, dispatch_uid="waitlist")
