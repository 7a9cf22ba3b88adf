from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"

    def ready(self) -> None:
        """Listen to the booking engine below: count open offers as holds on their slots,
        offer freed slots; erasure, export and retention reach the waitlist through
        bookings' privacy signals."""
        from bookings import occupancy, signals
        from bookings import privacy as bookings_privacy
        from waitlist import holds, privacy, receivers

        occupancy.hold_source_register(holds.SOURCE, holds.open_offer_holds)
        signals.slot_freed.connect(receivers.offer_freed_slots, dispatch_uid="waitlist.slot_freed")
        bookings_privacy.client_erased.connect(privacy.on_client_erased, dispatch_uid="waitlist")
        bookings_privacy.client_exported.connect(
            privacy.on_client_exported, dispatch_uid="waitlist"
        )
        bookings_privacy.retention_due.connect(privacy.on_retention_due, dispatch_uid="waitlist")
