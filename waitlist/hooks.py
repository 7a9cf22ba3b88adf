"""What the booking services tell the waitlist (kept free of `bookings.services` imports)."""

import datetime as dt
from functools import partial

from django.db import transaction

from bookings.models import Appointment
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer


def slot_freed() -> None:
    """A time may have freed up (a cancellation or a move): once the change commits, offer
    it to the waitlist. The periodic sweep also looks, for slots freed by new working
    hours, removed time off or a lapsed offer."""
    from waitlist.tasks import offers_make_task

    transaction.on_commit(partial(offers_make_task.enqueue), robust=True)


def offer_claim(offer: WaitlistOffer, appointment: Appointment, now: dt.datetime) -> bool:
    """Mark the offer accepted with its appointment, if it is still open and in time.

    Called inside `booking_create`'s transaction, so the booking and the claim commit or
    roll back together; the conditional UPDATE waits for (and then loses to) a concurrent
    expiry, so an offer is either expired or accepted, never both.
    """
    claimed = WaitlistOffer.objects.filter(
        pk=offer.pk, status=OfferStatus.OPEN, expires_at__gt=now
    ).update(status=OfferStatus.ACCEPTED, appointment=appointment)
    if claimed:
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(
            status=EntryStatus.BOOKED, appointment=appointment
        )
    return bool(claimed)
