"""The waitlist's part of a client's rights and of retention.

Waitlist entries hold contact details and intake answers, and an open offer holds a slot
for its client. `bookings.privacy` cannot import this app (imports point down), so it sends
signals and this module answers them (connected in `WaitlistConfig.ready`): erasure runs in
the erasure's own transaction, so a client is never half erased.
"""

import datetime as dt

from django.db.models import Q

from bookings.privacy import ERASED_NAME, admin_log_forget
from outbox.models import Email
from outbox.services import emails_forget, emails_to
from waitlist import services
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer


def _forget(entries: list[WaitlistEntry], *, addresses: set[str]) -> None:
    """Blank the entries, withdraw their open offers (freeing the held slots) and forget
    what the admin log and the outbox say about them."""
    ids = [entry.pk for entry in entries]
    offer_ids = list(WaitlistOffer.objects.filter(entry__in=ids).values_list("pk", flat=True))
    released = WaitlistOffer.objects.filter(pk__in=offer_ids, status=OfferStatus.OPEN).update(
        status=OfferStatus.WITHDRAWN
    )
    for entry in entries:
        entry.name, entry.phone, entry.answers = ERASED_NAME, "", {}
        entry.email = f"erased-waitlist-{entry.pk}@invalid.example"
        entry.client_address = None
        if entry.status in (EntryStatus.PENDING, EntryStatus.WAITING, EntryStatus.OFFERED):
            entry.status = EntryStatus.LEFT
        entry.save(update_fields=["name", "phone", "answers", "email", "client_address", "status"])
    admin_log_forget(WaitlistEntry, ids, lambda pk: ERASED_NAME)
    admin_log_forget(WaitlistOffer, offer_ids, lambda pk: f"Offer to {ERASED_NAME}")
    emails = Email.objects.filter(Q(params__entry__in=ids) | Q(params__offer__in=offer_ids))
    for address in addresses:
        emails = emails | emails_to(address)
    emails_forget(emails=emails)
    if released:
        services.offers_make_after_commit()  # the held time goes to the next person once this commits


def on_client_erased(sender, *, email: str, addresses: set[str], **kwargs) -> None:
    entries = list(WaitlistEntry.objects.filter(email__iexact=email).select_for_update())
    _forget(entries, addresses=addresses | {e.email.lower() for e in entries})


def on_client_exported(sender, *, email: str, user, **kwargs) -> dict:
    entries = WaitlistEntry.objects.filter(email__iexact=email).select_related(
        "service", "therapist"
    )
    return {
        "waitlist_entries": [
            {
                "joined_at": entry.joined_at.isoformat(),
                "service": entry.service.name,
                "therapist": entry.therapist.display_name if entry.therapist else "any",
                "first_day": entry.first_day.isoformat(),
                "last_day": entry.last_day.isoformat(),
                "name": entry.name,
                "email": entry.email,
                "phone": entry.phone,
                "answers": entry.answers,
                "status": entry.status,
                "offers": [
                    {"start": offer.start.isoformat(), "status": offer.status}
                    for offer in entry.offers.all()
                ],
            }
            for entry in entries.prefetch_related("offers")
        ]
    }


def on_retention_due(sender, *, cutoff: dt.datetime, **kwargs) -> dict[str, int]:
    """Entries whose last day passed before the cut-off: nothing to offer them any more."""
    entries = list(
        WaitlistEntry.objects.filter(last_day__lt=cutoff.date())
        .exclude(name=ERASED_NAME, answers={})
        .select_for_update()
    )
    _forget(entries, addresses=set())  # the address may be waiting again, more recently
    return {"waitlist entries": len(entries)}
