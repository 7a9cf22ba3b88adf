"""The waitlist's side of `bookings.occupancy`: open offers hold their slot, and accepting
an offer claims it inside the booking's transaction."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from bookings.models import Appointment
from bookings.occupancy import COLUMNS, HoldWindow
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

SOURCE = "waitlist_offer"


def open_offer_holds(window: HoldWindow) -> QuerySet:
    """Open, unexpired offers occupying the window: they block therapist, room and daily
    cap like an appointment until they lapse."""
    held = WaitlistOffer.objects.filter(
        status=OfferStatus.OPEN,
        expires_at__gt=window.now,
        start__lt=window.end,
        occupied_until__gt=window.start,
    )
    if window.ignore_pk is not None:
        held = held.exclude(pk=window.ignore_pk)
    return held.order_by().values_list(*COLUMNS)


@dataclass(frozen=True)
class OfferHold:
    """An open offer that its client is booking (`booking_create(hold=OfferHold(offer))`)."""

    offer: WaitlistOffer
    source: str = SOURCE

    @property
    def pk(self) -> int:
        return self.offer.pk

    def lock(self) -> None:
        """Take the offer's row lock (inside the booking's transaction, before its first
        write): writes take the schedule-version row through a trigger, and the sweep's
        expiry locks offers before it writes, so the claim must not wait for the offer row
        while holding that version."""
        list(
            WaitlistOffer.objects.select_for_update()
            .filter(pk=self.offer.pk)
            .values_list("pk", flat=True)
        )

    def claim(self, *, appointment: Appointment, now: dt.datetime) -> bool:
        """Mark the offer accepted with its appointment, if it is still open and in time.

        Runs inside `booking_create`'s transaction, so the booking and the claim commit or
        roll back together; the conditional UPDATE waits for (and then loses to) a
        concurrent expiry, so an offer is either expired or accepted, never both.
        """
        claimed = WaitlistOffer.objects.filter(
            pk=self.offer.pk, status=OfferStatus.OPEN, expires_at__gt=now
        ).update(status=OfferStatus.ACCEPTED, appointment=appointment)
        if claimed:
            WaitlistEntry.objects.filter(pk=self.offer.entry_id).update(
                status=EntryStatus.BOOKED, appointment=appointment
            )
        return bool(claimed)
