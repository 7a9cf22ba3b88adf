from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"

    def ready(self) -> None:
        """Listen to the booking engine below: count open offers as holds on their slots,
        offer freed slots, erase waitlist copies of an erased client."""
        from bookings import occupancy, signals
        from waitlist import holds, receivers

        occupancy.hold_source_register(holds.SOURCE, holds.open_offer_holds)
        signals.slot_freed.connect(receivers.offer_freed_slots, dispatch_uid="waitlist.slot_freed")
        signals.client_erasing.connect(
            receivers.erase_client_entries, dispatch_uid="waitlist.client_erasing"
        )
