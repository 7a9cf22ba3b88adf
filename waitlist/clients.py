"""The waitlist's part of a client merge (bookings.clients.client_merged).

Waitlist entries name their client by the typed contact details, not by a `Client` row.
When staff merge a record whose address differs from the kept one, the entries under the
folded address move to the kept record's contact details (so offers reach the address the
clinic now knows), unless another live record still books under that address: then they
are that record's too and stay.
"""

from bookings.clients import records_of_address
from waitlist.models import WaitlistEntry


def on_client_merged(sender, *, keep, merged, **kwargs) -> None:
    if keep.email.lower() == merged.email.lower():
        return
    if records_of_address(merged.email).exclude(pk=merged.pk).exists():
        return
    WaitlistEntry.objects.filter(email__iexact=merged.email).update(
        email=keep.email, name=keep.name, phone=keep.phone
    )
