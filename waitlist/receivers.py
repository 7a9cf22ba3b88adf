"""Receivers of the booking engine's signals (`bookings.signals`), connected in
`WaitlistConfig.ready`."""

from bookings.privacy import ERASED_NAME
from waitlist.models import WaitlistEntry
from waitlist.services import offers_make_task


def offer_freed_slots(sender, **kwargs) -> None:
    """A booking change freed a time (sent after commit): offer it to the waitlist. The
    periodic sweep also looks, for slots freed by new working hours, removed time off or a
    lapsed offer."""
    offers_make_task.enqueue()


def erase_client_entries(sender, *, email: str, **kwargs) -> None:
    """Waitlist entries hold contact details and intake answers too: erase them in the
    erasing transaction."""
    for entry in WaitlistEntry.objects.filter(email__iexact=email.strip()).select_for_update():
        entry.name, entry.phone, entry.answers = ERASED_NAME, "", {}
        entry.email = f"erased-waitlist-{entry.pk}@invalid.example"
        entry.client_address = None
        if entry.status in ("pending", "waiting", "offered"):
            entry.status = "left"
        entry.save()
