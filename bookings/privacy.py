"""Who may read a client's full health answers, and the log of every read.

Intake answers are health data. Only staff with the `health.view_full_intake` permission
(the clinic manager) and the appointment's own therapist may read them; every read goes
through `read_intake_answers`, which writes an `IntakeAccess` row first. Everyone else sees at
most the outcome and flags (`Intake.flags`).
"""

import datetime as dt
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.dispatch import Signal
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent
from bookings.treating import treating_sessions, treats_client
from clients import profile
from clients.models import Client
from health import clearances
from health.models import Clearance, Intake, IntakeAccess
from outbox.models import Email
from outbox.sealing import open_bytes
from outbox.services import emails_forget, emails_to

# Apps above bookings keep personal data too (the waitlist: contact details and intake
# answers). They connect to these instead of bookings importing them:
# - client_erased(email, addresses): erase yours, inside the erasure's transaction;
# - client_exported(email, user): return a dict to add to the client's export;
# - retention_due(cutoff): purge what is older than `cutoff`; return counts by kind;
# - appointments_erased(appointment_ids): the clients of these sessions are being erased (on
#   request or by retention): erase what you keep about the sessions (the session charts),
#   inside the same transaction. `client_exported` also gets `appointment_ids` and `where`
#   (the access log's wording; `user` is None for the client's own export).
client_erased = Signal()
client_exported = Signal()
retention_due = Signal()
appointments_erased = Signal()


def may_read_full_intake(user, appointment: Appointment) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm("health.view_full_intake"):
        return True
    therapist = getattr(user, "therapist", None)
    return therapist is not None and therapist.pk == appointment.therapist_id


def may_read_client_history(user, appointment: Appointment) -> bool:
    """The client's *other* sessions (earlier notes and charts by any therapist): the clinic
    manager, or this session's own therapist when this session treats the client
    (`treating_sessions`); never through a request or a staff member's own booking."""
    if not user.is_authenticated:
        return False
    if user.has_perm("health.view_full_intake"):
        return True
    therapist = getattr(user, "therapist", None)
    if therapist is None or therapist.pk != appointment.therapist_id:
        return False
    # One page asks several times (earlier sessions, the pre-brief): one query per page.
    known = appointment.__dict__.setdefault("_history_readable", {})
    if user.pk not in known:
        known[user.pk] = treating_sessions(therapist).filter(pk=appointment.pk).exists()
    return known[user.pk]


def read_intake_answers(*, appointment: Appointment, user, where: str) -> dict[str, Any]:
    """The full answers of the appointment's intake, logged; PermissionDenied otherwise."""
    if not may_read_full_intake(user, appointment):
        raise PermissionDenied("You may not read this client's health answers.")
    IntakeAccess.objects.create(intake_id=appointment.intake_id, user=user, where=where[:100])
    return dict(appointment.intake.answers)


# --- A client's rights: export and erasure; retention ---------------------------------

# --- Clearances: the same rule, for the client's record ----------------------------------


def may_read_clearance(user, clearance: Clearance) -> bool:
    """The intake's rule, for a record: the clinic manager, or a therapist treating this
    client (a confirmed, checked-in or recently completed session: `treats_client`)."""
    if not user.is_authenticated:
        return False
    return user.has_perm(clearances.READ_PERMISSION) or treats_client(user, clearance.client_id)


def read_clearances(*, client: Client, user, where: str) -> list[Clearance]:
    """The client's clearances, newest ending first, with their details, for a reader who
    may see them (logged); an empty list for anyone else."""
    rows = list(client.clearances.all())
    if not rows or not user.is_authenticated:
        return []
    if not (
        user.has_perm(clearances.READ_PERMISSION) or treats_client(user, client.pk)
    ):  # one rule per record
        return []
    clearances.log_clearance_reads(user=user, clearances=rows, where=where)
    return rows


def read_clearance_letter(*, clearance: Clearance, user, where: str) -> tuple[bytes, str]:
    """The letter's bytes and type, logged; PermissionDenied for anyone else, LookupError
    when the clearance has no letter (or its file is gone)."""
    if not may_read_clearance(user, clearance):
        raise PermissionDenied("You may not read this client's clearance letter.")
    if not clearance.letter_file:
        raise LookupError("This clearance has no letter.")
    storage = clearances.letter_storage()
    try:
        with storage.open(clearance.letter_file, "rb") as handle:
            sealed = handle.read()
    except FileNotFoundError as missing:
        raise LookupError("The letter's file is missing.") from missing
    data = open_bytes(sealed, purpose=clearances.SEAL_PURPOSE)
    clearances.log_clearance_reads(user=user, clearances=[clearance], where=where)
    return data, clearance.letter_type


ERASED_NAME = "Erased client"


def _clients(email: str):
    """The rows under this address and the rows merged into them (bookings/clients.py):
    a merged record's older rows may carry another address, and are the same person."""
    email = email.strip()
    under_address = Client.objects.filter(email__iexact=email)
    return Client.objects.filter(
        models.Q(email__iexact=email) | models.Q(merged_into__in=under_address.values("pk"))
    )


def client_export(*, email: str, user, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the clinic holds about the person with this e-mail address, as JSON-ready
    data (their right of access). Reading their intakes this way is logged like any other."""
    if not user.has_perm("health.view_full_intake"):
        raise PermissionDenied("Only the clinic manager may export a client's data.")
    return _export(
        email=email, clients=list(_clients(email)), user=user, where="client data export", now=now
    )


def client_export_own(*, client: Client, now: dt.datetime | None = None) -> dict[str, Any]:
    """The signed-in client's own export (their verified record and the rows merged into
    it): the same data as the manager's export, each intake read logged as the client's."""
    rows = [client, *Client.objects.filter(merged_into=client)]
    return _export(
        email=client.email, clients=rows, user=None, where="client's own export", now=now
    )


def read_own_intake_answers(*, appointment: Appointment, client: Client, where: str) -> dict:
    """A client may read their own answers (signed in through their e-mail link, so the
    record is theirs); logged like every other read, with no staff user."""
    if appointment.client_id != client.pk:
        raise PermissionDenied("These are not your answers.")
    IntakeAccess.objects.create(intake_id=appointment.intake_id, user=None, where=where[:100])
    return dict(appointment.intake.answers)


def _export(*, email: str, clients: list[Client], user, where: str, now) -> dict[str, Any]:
    appointments = (
        Appointment.objects.filter(client__in=clients)
        .select_related("service", "therapist", "room", "intake", "client")
        .prefetch_related("events", "intake_revisions__previous")
        .order_by("start")
    )
    IntakeAccess.objects.bulk_create(
        IntakeAccess(intake_id=intake_id, user=user, where=where)
        for a in appointments
        for intake_id in [a.intake_id, *(r.previous_id for r in a.intake_revisions.all())]
    )
    data = {
        "exported_at": (now or timezone.now()).isoformat(),
        "email": email,
        "clients": [
            {
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "created_at": c.created_at.isoformat(),
                **profile.profile_export(c),
            }
            for c in clients
        ],
        "clearances": clearances.clearances_export(clients=clients, user=user, where=where),
        "appointments": [
            {
                "reference": a.reference,
                "start": timezone.localtime(a.start).isoformat(),
                "end": timezone.localtime(a.end).isoformat(),
                "service": a.service.name,
                "therapist": a.therapist.display_name,
                "room": a.room.name,
                "status": a.status,
                "intake": {
                    "questionnaire_version": a.intake.questionnaire_version,
                    "answers": a.intake.answers,
                    "outcome": a.intake.outcome,
                    "reasons": a.intake.reasons,
                    "effective_pressure": a.intake.effective_pressure,
                },
                # Answers a re-confirmation replaced (issue #13), oldest first.
                "earlier_intakes": [
                    {
                        "questionnaire_version": r.previous.questionnaire_version,
                        "answers": r.previous.answers,
                        "outcome": r.previous.outcome,
                        "replaced_at": r.at.isoformat(),
                    }
                    for r in a.intake_revisions.all()
                ],
                "history": [
                    {"at": e.at.isoformat(), "kind": e.kind, "details": e.details}
                    for e in a.events.all()
                ],
            }
            for a in appointments
        ],
    }
    for _receiver, more in client_exported.send(
        sender=Client,
        email=email.strip(),
        user=user,
        appointment_ids=[a.pk for a in appointments],
        where=where,
    ):
        data.update(more or {})
    return data


@transaction.atomic
def client_erase(*, email: str, user) -> int:
    """Erase a client's personal and health data (their right to erasure).

    Appointments stay, so the schedule, the therapists' day counts and the statistics keep
    their integrity, but every field that says who the client is or anything about their
    health goes: contact details, intake answers and reasons, session notes, the copies of
    reasons and notes in the appointment history, the admin log's descriptions of their
    records and what the outbox kept of the e-mails sent to them. Apps above this one erase
    their part (the waitlist: entries, answers, held slots) on `client_erased`, in this same
    transaction, so an erasure is never half done. Returns the number of clients erased.
    """
    if not user.has_perm("health.view_full_intake"):
        raise PermissionDenied("Only the clinic manager may erase a client's data.")
    clients = list(_clients(email).select_for_update())
    addresses = {email.strip().lower(), *(c.email.lower() for c in clients)}
    _erase_clients(clients, addresses=addresses)
    client_erased.send(sender=Client, email=email.strip(), addresses=addresses)
    return len(clients)


def _erase_clients(clients: list[Client], *, addresses: set[str]) -> None:
    appointments = list(Appointment.objects.filter(client__in=clients))
    ids = [a.pk for a in appointments]
    # The session's current intake and the earlier versions a re-confirmation replaced.
    Intake.objects.filter(
        models.Q(appointment__in=ids) | models.Q(replaced_by__appointment__in=ids)
    ).update(answers={}, reasons=[])
    clearances.clearances_erase(clients)
    AppointmentEvent.objects.filter(appointment__in=ids).update(details={})
    appointments_erased.send(sender=Appointment, appointment_ids=ids)
    for client in clients:
        client.name = ERASED_NAME
        client.email = f"erased-{client.pk}@invalid.example"
        client.phone = ""
        erased_profile = profile.profile_erased()
        for name, value in erased_profile.items():
            setattr(client, name, value)
        client.save(update_fields=["name", "email", "phone", *erased_profile])
    admin_log_forget(Client, [c.pk for c in clients], lambda pk: ERASED_NAME)
    references = {a.pk: a.reference for a in appointments}
    admin_log_forget(Appointment, ids, lambda pk: f"{references[pk]} · {ERASED_NAME}")
    admin_log_forget(Intake, [a.intake_id for a in appointments], lambda pk: ERASED_NAME)
    emails = Email.objects.filter(params__appointment__in=ids)
    for address in addresses:
        emails = emails | emails_to(address)
    emails_forget(emails=emails)


def admin_log_forget(model: type[models.Model], pks: list[int], describe) -> None:
    """The admin's history keeps each changed object's `str()` ("REF · Name with Therapist
    at ...") and a change message; replace both for these objects."""
    content_type = ContentType.objects.get_for_model(model)
    for entry in LogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in pks]
    ):
        entry.object_repr = describe(int(entry.object_id))[:200]
        entry.change_message = ""
        entry.save(update_fields=["object_repr", "change_message"])


def intake_list_read(*, user, intake_ids: list[int], where: str) -> None:
    """An admin list narrowed by a health-derived field (say, every intake declined) tells
    its reader something about the health of each client on it: log it as a read of each
    intake shown, like any other (core/admin_privacy.py)."""
    IntakeAccess.objects.bulk_create(
        IntakeAccess(intake_id=pk, user=user, where=where[:100]) for pk in intake_ids
    )


def log_health_list(sender, *, user, intake_ids: list[int], where: str, **_signal) -> None:
    """`core.admin_privacy.health_list_shown`'s receiver: `intake_list_read`."""
    intake_list_read(user=user, intake_ids=intake_ids, where=where)


def purge_old_intake_answers(*, years: int, now: dt.datetime | None = None) -> int:
    """Retention: blank the health answers and reasons of intakes for sessions that ended
    more than `years` ago; the outcome stays for the clinic's records. Returns the count."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=365 * years)
    old = Intake.objects.filter(
        models.Q(appointment__end__lt=cutoff) | models.Q(replaced_by__appointment__end__lt=cutoff)
    ).exclude(answers={})
    return old.update(answers={}, reasons=[])


@transaction.atomic
def retention_purge(*, years: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Retention: what the clinic no longer needs `years` after a session goes. Health
    answers and reasons of older sessions are blanked, their session notes and the copies
    in their history removed; a client whose every session is that old (or who never came)
    is erased as on request. Apps above this one purge their part on `retention_due` (the
    waitlist: answers and contact details of entries whose dates passed that long ago).
    Returns counts by kind."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=365 * years)
    old = Appointment.objects.filter(end__lt=cutoff)
    counts = {"intakes": purge_old_intake_answers(years=years, now=now)}
    counts["clearances"] = clearances.clearances_expired_purge(before=cutoff.date())
    AppointmentEvent.objects.filter(appointment__in=old).exclude(details={}).update(details={})
    recent = Appointment.objects.filter(client=OuterRef("pk"), end__gte=cutoff)
    clients = list(
        Client.objects.filter(created_at__lt=cutoff)
        .exclude(name=ERASED_NAME, phone="")
        .exclude(Exists(recent))
        .select_for_update()
    )
    # Only the e-mails about these bookings: the same address may have booked again since.
    _erase_clients(clients, addresses=set())
    counts["clients"] = len(clients)
    for _receiver, more in retention_due.send(sender=Client, cutoff=cutoff):
        counts.update(more or {})
    return counts
