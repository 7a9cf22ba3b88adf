"""Receivers of the booking engine's signals (`bookings.signals`), connected in
`WaitlistConfig.ready` (privacy signals: `waitlist.privacy`)."""

from waitlist.services import offers_make_task


def offer_freed_slots(sender, **kwargs) -> None:
    """A booking change freed a time (sent after commit): offer it to the waitlist. The
    periodic sweep also looks, for slots freed by new working hours, removed time off or a
    lapsed offer."""
    offers_make_task.enqueue()
