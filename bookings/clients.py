"""One record per person: confirming a client record and merging two records of one person.

Every booking made signed out writes its own `Client` row from what was typed, so one
person collects several rows, and a typed address proves nothing (anyone can type anyone's
address). The therapist's "earlier sessions" therefore follow only the same row
(therapists/views.py). Rows become one record here, and only on proof:

- staff (clinic managers, front desk: the `bookings.merge_client` permission) who checked
  that two records are the same person merge them (`client_merge`);
- the client opens a sign-in link sent to the address (accounts app): that proves they
  hold the address, so every row booked under it joins their record
  (`client_confirm_address`).

A merge moves the appointments (their intakes go with them, one per appointment), writes a
line in each moved appointment's history and an audit row (`ClientMerge`), and lets apps
above bookings move theirs (`client_merged`: the waitlist's entries) in the same
transaction, so a merge is never half done. The folded row stays, pointing at the kept one,
so the audit trail and old admin links still resolve.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentEvent,
    Clearance,
    Client,
    ClientMerge,
    TreatmentPlan,
)

# client_merged(keep, merged): move your rows of `merged` to `keep`, inside the transaction.
client_merged = Signal()

MERGE_PERMISSION = "bookings.merge_client"


class MergeError(ValueError):
    """Two records that cannot be merged; the message says why, for the person who asked."""


def may_merge(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_staff and user.has_perm(MERGE_PERMISSION)
    )


def _fold(*, keep: Client, merge: Client, by) -> ClientMerge:
    appointments = list(Appointment.objects.filter(client=merge).select_for_update())
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(client=keep)
    Clearance.objects.filter(client=merge).update(client=keep)  # the clearances go along
    AppointmentEvent.objects.bulk_create(
        AppointmentEvent(
            appointment=a,
            actor=by,
            kind=AppointmentEvent.Kind.MERGED,
            details={"from_client": merge.pk, "to_client": keep.pk},
        )
        for a in appointments
    )
    # Treatment plans (bookings/series.py) follow their sessions to the kept record.
    TreatmentPlan.objects.filter(client=merge).update(client=keep)
    merge.merged_into = keep
    merge.save(update_fields=["merged_into"])
    # Rows folded into `merge` before now belong to `keep` too: chains stay one step long.
    Client.objects.filter(merged_into=merge).update(merged_into=keep)
    client_merged.send(sender=Client, keep=keep, merged=merge)
    return ClientMerge.objects.create(
        kept=keep, merged=merge, by=by, appointments_moved=len(appointments)
    )


def _confirm(client: Client, how: str) -> None:
    if client.confirmed_at is None:
        client.confirmed_at = timezone.now()
        client.confirmed_by = how
        client.save(update_fields=["confirmed_at", "confirmed_by"])


@transaction.atomic
def client_merge(*, keep: Client, merge: Client, by) -> ClientMerge:
    """Fold `merge` into `keep` (staff checked they are the same person); `keep` is then a
    confirmed record. Only clinic managers and the front desk may."""
    if not may_merge(by):
        raise PermissionDenied("Only clinic managers and the front desk may merge client records.")
    rows = {c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk])}
    if keep.pk == merge.pk:
        raise MergeError("Choose two different client records to merge.")
    if len(rows) != 2:
        raise MergeError("One of these client records no longer exists.")
    keep, merge = rows[keep.pk], rows[merge.pk]
    if keep.merged_into_id or merge.merged_into_id:
        raise MergeError(
            "One of these records was already merged into another; merge into that one."
        )
    audit = _fold(keep=keep, merge=merge, by=by)
    _confirm(keep, Client.ConfirmedBy.CLINIC)
    return audit


@transaction.atomic
def client_confirm(*, client: Client, by) -> Client:
    """Staff checked the client's identity (at the desk, say): mark the record confirmed."""
    if not (by and by.is_authenticated and by.is_staff and by.has_perm("bookings.change_client")):
        raise PermissionDenied("Only clinic staff may confirm a client record.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    _confirm(client, Client.ConfirmedBy.CLINIC)
    return client


def records_of_address(email: str):
    """The live (not merged away) rows booked under this address, oldest first."""
    return Client.objects.filter(email__iexact=email.strip(), merged_into=None).order_by(
        "created_at", "pk"
    )


@transaction.atomic
def client_confirm_address(*, email: str) -> Client | None:
    """The client proved they hold `email` (opened a sign-in link): every live row booked
    under it joins one confirmed record (a confirmed one if there is, else the oldest).
    Returns that record, or None when nobody booked under the address."""
    rows = list(records_of_address(email).select_for_update())
    if not rows:
        return None
    keep = next((c for c in rows if c.confirmed_at), rows[0])
    for other in rows:
        if other.pk != keep.pk:
            _fold(keep=keep, merge=other, by=None)
    _confirm(keep, Client.ConfirmedBy.EMAIL_LINK)
    return keep


@transaction.atomic
def client_join_signed_in(*, record: Client, appointment: Appointment) -> None:
    """A booking made while signed in (the address confirmed by the link) joins the record
    at once, instead of waiting for the next sign-in."""
    fresh = appointment.client
    if fresh.pk == record.pk or fresh.email.lower() != record.email.lower():
        return
    _fold(keep=Client.objects.select_for_update().get(pk=record.pk), merge=fresh, by=None)
