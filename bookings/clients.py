"""One record per person: confirming a client record and merging two records of one person.

Every booking made signed out writes its own `Client` row from what was typed, so one
person collects several rows, and a typed address proves nothing (anyone can type anyone's
address). The therapist's "earlier sessions" therefore follow only the same row
(therapists/views.py). Rows become one record here, and only on proof:

- staff (clinic managers, front desk: the `clients.merge_client` permission) who checked
  that two records are the same person merge them (`client_merge`);
- a booking is *proven* (`Appointment.proven_by`) when the holder of its address stands
  behind it: they opened the manage link of its e-mail (that link carries `mailbox_proof`,
  which the booker's own confirmation page never shows: the booker is sent to the manage
  page right after booking, so the bare manage link proves nothing), or they booked it
  while signed in as that address;
- the client opens a sign-in link sent to the address (accounts app): that proves they
  hold the address *now*, not that they made every booking typed under it. Only the
  proven bookings' rows join their record (`client_confirm_address`); the others stay
  apart, shown on the account page as "a booking exists" (date and service, never the
  answers) until staff merge them.

A booking made on the public pages by a signed-in staff member or therapist
(`booked_by_staff`) never joins a client's record by itself, whatever address it carries.

A merge moves the appointments (their intakes go with them, one per appointment), writes a
line in each moved appointment's history and an audit row (`ClientMerge`), and lets apps
above bookings move theirs (`client_merged`: the waitlist's entries) in the same
transaction, so a merge is never half done. The kept record takes the contact details of a
verified row over an unverified one (`_fold`), so a stranger who typed the address first
never becomes the record's name and phone. The folded row stays, pointing at the kept one,
so the audit trail and old admin links still resolve.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bookings.models import Appointment, AppointmentEvent, BookingProof, TreatmentPlan
from clients.models import Client, ClientMerge
from health.models import Clearance

# client_merged(keep, merged): move your rows of `merged` to `keep`, inside the transaction.
client_merged = Signal()

MERGE_PERMISSION = "clients.merge_client"


class MergeError(ValueError):
    """Two records that cannot be merged; the message says why, for the person who asked."""


def may_merge(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_staff and user.has_perm(MERGE_PERMISSION)
    )


def _verified(client: Client) -> bool:
    """The clinic or the client's sign-in confirmed the row, or one of its bookings is proven."""
    return client.confirmed_at is not None or client.appointments.proven().exists()


def _fold(*, keep: Client, merge: Client, by) -> ClientMerge:
    if _verified(merge) and (not _verified(keep) or not keep.name.strip()):
        # The verified row's details are the person's; an unverified one's may be anyone's.
        keep.name, keep.email, keep.phone = merge.name, merge.email, merge.phone
        keep.save(update_fields=["name", "email", "phone"])
    appointments = list(Appointment.objects.filter(client=merge).select_for_update())
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(client=keep)
    if by is not None:  # staff checked the person: the moved bookings are theirs
        Appointment.objects.filter(pk__in=[a.pk for a in appointments], proven_by="").update(
            proven_by=BookingProof.CLINIC, proven_at=timezone.now()
        )
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
    if not (by and by.is_authenticated and by.is_staff and by.has_perm("clients.change_client")):
        raise PermissionDenied("Only clinic staff may confirm a client record.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    _confirm(client, Client.ConfirmedBy.CLINIC)
    return client


def records_of_address(email: str):
    """The live (not merged away) rows booked under this address, oldest first."""
    return Client.objects.filter(email__iexact=email.strip(), merged_into=None).order_by(
        "created_at", "pk"
    )


def joinable_rows(email: str):
    """The live rows under this address that may join the address holder's record: one of
    their bookings is proven, and none was booked by a signed-in staff member."""
    proven = Appointment.objects.proven().filter(client_id=OuterRef("pk"))
    by_staff = Appointment.objects.filter(client_id=OuterRef("pk"), booked_by_staff=True)
    return records_of_address(email).filter(Exists(proven)).exclude(Exists(by_staff))


@transaction.atomic
def client_confirm_address(*, email: str) -> Client | None:
    """The client proved they hold `email` (opened a sign-in link): their record (a
    confirmed one under the address if there is, else the oldest row with a proven booking,
    else a new empty record), with every joinable row folded into it. The rows of unproven
    bookings stay apart (`unproven_bookings`). None when nobody booked under the address."""
    rows = list(records_of_address(email).select_for_update())
    if not rows:
        return None
    joinable = set(joinable_rows(email).values_list("pk", flat=True))
    keep = next((c for c in rows if c.confirmed_at), None) or next(
        (c for c in rows if c.pk in joinable), None
    )
    if keep is None:
        # Nothing typed under the address is proven theirs: an empty record, their own.
        keep = Client.objects.create(name="", email=rows[0].email, phone="")
    for other in rows:
        if other.pk != keep.pk and other.pk in joinable:
            _fold(keep=keep, merge=other, by=None)
    _confirm(keep, Client.ConfirmedBy.EMAIL_LINK)
    return keep


def unproven_bookings(record: Client):
    """Bookings under the record's address that did not join it (nobody proved them the
    address holder's): the account page says they exist, by day and service only."""
    return (
        Appointment.objects.filter(
            client__in=records_of_address(record.email).exclude(pk=record.pk)
        )
        .select_related("service")
        .order_by("start")
    )


def _mark_proven(appointment: Appointment, how: str) -> None:
    if not appointment.proven_by:
        appointment.proven_by, appointment.proven_at = how, timezone.now()
        Appointment.objects.filter(pk=appointment.pk, proven_by="").update(
            proven_by=how, proven_at=appointment.proven_at
        )


def mailbox_proof(appointment: Appointment) -> str:
    """The value the e-mailed manage link carries: only the address's mailbox gets it."""
    message = f"{appointment.reference}:{appointment.client.email.strip().lower()}"
    return salted_hmac("bookings.clients.mailbox_proof", message, algorithm="sha256").hexdigest()[
        :32
    ]


@transaction.atomic
def booking_mailbox_proven(*, appointment: Appointment, proof: str, record: Client | None) -> bool:
    """The manage link of the booking's e-mail was opened: the booking is proven, and joins
    the signed-in record now when it is the same address (else at the next sign-in).
    False (nothing changes) when `proof` is not this booking's."""
    if not proof or not constant_time_compare(proof, mailbox_proof(appointment)):
        return False
    _mark_proven(appointment, BookingProof.MAILBOX)
    fresh = appointment.client
    if (
        record is not None
        and not appointment.booked_by_staff
        and fresh.pk != record.pk
        and fresh.merged_into_id is None
        and fresh.email.strip().lower() == record.email.strip().lower()
    ):
        _fold(keep=Client.objects.select_for_update().get(pk=record.pk), merge=fresh, by=None)
    return True


def is_staff_booker(user) -> bool:
    """A signed-in staff member or therapist (their bookings are `booked_by_staff`)."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or getattr(user, "therapist", None) is not None)
    )


def booking_by_staff(appointment: Appointment) -> None:
    """A staff member or therapist, signed in, booked on the public pages: for themselves or
    for someone, it is never a client's own proven booking."""
    Appointment.objects.filter(pk=appointment.pk).update(booked_by_staff=True)
    appointment.booked_by_staff = True


@transaction.atomic
def client_join_signed_in(*, record: Client, appointment: Appointment) -> None:
    """A booking made while signed in (the address confirmed by the link) is proven and
    joins the record at once, instead of waiting for the next sign-in."""
    fresh = appointment.client
    if appointment.booked_by_staff or fresh.email.lower() != record.email.lower():
        return
    _mark_proven(appointment, BookingProof.SIGNED_IN)
    if fresh.pk == record.pk:
        return
    _fold(keep=Client.objects.select_for_update().get(pk=record.pk), merge=fresh, by=None)
