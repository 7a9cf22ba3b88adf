"""Who may read a client's full health answers, and the log of every read.

Intake answers are health data. Only staff with the `bookings.view_full_intake` permission
(the clinic manager) and the appointment's own therapist may read them; every read goes
through `read_intake_answers`, which writes an `IntakeAccess` row first. Everyone else sees at
most the outcome and flags (`Intake.flags`).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentEvent,
    Client,
    Intake,
    IntakeAccess,
    SessionNote,
)
from bookings.signals import client_erasing, client_exporting


def may_read_full_intake(user, appointment: Appointment) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_perm("bookings.view_full_intake"):
        return True
    therapist = getattr(user, "therapist", None)
    return therapist is not None and therapist.pk == appointment.therapist_id


def read_intake_answers(*, appointment: Appointment, user, where: str) -> dict[str, Any]:
    """The full answers of the appointment's intake, logged; PermissionDenied otherwise."""
    if not may_read_full_intake(user, appointment):
        raise PermissionDenied("You may not read this client's health answers.")
    IntakeAccess.objects.create(intake_id=appointment.intake_id, user=user, where=where[:100])
    return dict(appointment.intake.answers)


# --- A client's rights: export and erasure; retention ---------------------------------

ERASED_NAME = "Erased client"


def _clients(email: str):
    return Client.objects.filter(email__iexact=email.strip())


def client_export(*, email: str, user, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the clinic holds about the person with this e-mail address, as JSON-ready
    data (their right of access). Reading their intakes this way is logged like any other."""
    if not user.has_perm("bookings.view_full_intake"):
        raise PermissionDenied("Only the clinic manager may export a client's data.")
    clients = list(_clients(email))
    appointments = (
        Appointment.objects.filter(client__in=clients)
        .select_related("service", "therapist", "room", "intake", "client")
        .prefetch_related("notes", "events")
        .order_by("start")
    )
    IntakeAccess.objects.bulk_create(
        IntakeAccess(intake_id=a.intake_id, user=user, where="client data export")
        for a in appointments
    )
    extra = {}
    ids = [a.pk for a in appointments]
    for _receiver, response in client_exporting.send(
        sender=Appointment, appointment_ids=ids, user=user
    ):
        if response:
            key, data = response
            extra[key] = data
    return {
        **extra,
        "exported_at": (now or timezone.now()).isoformat(),
        "email": email,
        "clients": [
            {
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "created_at": c.created_at.isoformat(),
            }
            for c in clients
        ],
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
                "session_notes": [
                    {
                        "at": n.created_at.isoformat(),
                        "work_done": n.work_done,
                        "pressure_used": n.pressure_used,
                        "client_response": n.client_response,
                    }
                    for n in a.notes.all()
                ],
                "history": [
                    {"at": e.at.isoformat(), "kind": e.kind, "details": e.details}
                    for e in a.events.all()
                ],
            }
            for a in appointments
        ],
    }


@transaction.atomic
def client_erase(*, email: str, user) -> int:
    """Erase a client's personal and health data (their right to erasure).

    Appointments stay, so the schedule, the therapists' day counts and the statistics keep
    their integrity, but every field that says who the client is or anything about their
    health goes: contact details, intake answers and reasons, session notes, and the copies
    of reasons and notes in the appointment history. Returns the number of clients erased.
    """
    if not user.has_perm("bookings.view_full_intake"):
        raise PermissionDenied("Only the clinic manager may erase a client's data.")
    clients = list(_clients(email).select_for_update())
    appointments = Appointment.objects.filter(client__in=clients)
    Intake.objects.filter(appointment__in=appointments).update(answers={}, reasons=[])
    SessionNote.objects.filter(appointment__in=appointments).delete()
    AppointmentEvent.objects.filter(appointment__in=appointments).update(details={})
    client_erasing.send(
        sender=Appointment,
        appointment_ids=list(appointments.values_list("pk", flat=True)),
        user=user,
    )
    for client in clients:
        client.name = ERASED_NAME
        client.email = f"erased-{client.pk}@invalid.example"
        client.phone = ""
        client.save(update_fields=["name", "email", "phone"])
    _erase_waitlist(email)
    return len(clients)


def _erase_waitlist(email: str) -> None:
    """Waitlist entries hold contact details and intake answers too."""
    from waitlist.models import WaitlistEntry

    for entry in WaitlistEntry.objects.filter(email__iexact=email.strip()).select_for_update():
        entry.name, entry.phone, entry.answers = ERASED_NAME, "", {}
        entry.email = f"erased-waitlist-{entry.pk}@invalid.example"
        entry.client_address = None
        if entry.status in ("pending", "waiting", "offered"):
            entry.status = "left"
        entry.save()


def purge_old_intake_answers(*, years: int, now: dt.datetime | None = None) -> int:
    """Retention: blank the health answers and reasons of intakes for sessions that ended
    more than `years` ago; the outcome stays for the clinic's records. Returns the count."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=365 * years)
    old = Intake.objects.filter(appointment__end__lt=cutoff).exclude(answers={})
    return old.update(answers={}, reasons=[])
