"""Who may read a session chart, the log of every read, and a client's export and erasure.

Session notes are health data, so they follow the intake's rule
(`bookings.privacy.may_read_full_intake`): the clinic manager and the appointment's own
therapist. Every read of a note's content writes a `ChartAccess` row first. Everyone else (the
front desk) may learn only that a note exists and whether it is signed.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment
from bookings.privacy import may_read_full_intake
from charts.models import Addendum, ChartAccess, ChartNote, RegionEntry


def may_read_chart(user, appointment: Appointment) -> bool:
    return may_read_full_intake(user, appointment)


def log_chart_reads(*, user, appointment_ids: Iterable[int], where: str) -> None:
    """One `ChartAccess` per session whose chart was shown, in one INSERT."""
    ChartAccess.objects.bulk_create(
        ChartAccess(appointment_id=pk, user_id=user.pk if user else None, where=where[:100])
        for pk in dict.fromkeys(appointment_ids)
    )


def require_chart_reader(user, appointment: Appointment) -> None:
    if not may_read_chart(user, appointment):
        raise PermissionDenied("You may not read this client's session notes.")


def erase_charts(*, appointment_ids: list[int], **_signal_kwargs) -> int:
    """`bookings.privacy.appointments_erased`: a client's erasure (on request or by
    retention) reaches their charts. Returns the number of notes erased or deleted.

    Drafts are deleted. Signed notes may be legal records that nobody may delete, so they are
    emptied instead: the row stays (that a session was charted, by whom, when) with its texts,
    region entries and addenda blanked, marked `erased_at`. The database triggers allow
    exactly that change to a signed note and no other.
    """
    notes = ChartNote.objects.filter(appointment_id__in=appointment_ids)
    with transaction.atomic():
        drafts, _ = notes.filter(signed_at__isnull=True).delete()
        signed = notes.filter(signed_at__isnull=False, erased_at__isnull=True)
        erased = signed.update(
            subjective="",
            objective="",
            assessment="",
            plan="",
            pressure_used="",
            erased_at=timezone.now(),
        )
        RegionEntry.objects.filter(note__in=notes).delete()
        Addendum.objects.filter(note__in=notes).update(text="")
    return drafts + erased


def on_retention_due(*, cutoff, **_signal_kwargs) -> dict[str, int]:
    """`bookings.privacy.retention_due`: charts of sessions that ended before `cutoff` go
    the way of their intakes (emptied; signed rows kept, marked erased)."""
    old = Appointment.objects.filter(end__lt=cutoff).values_list("pk", flat=True)
    return {"session charts": erase_charts(appointment_ids=list(old))}


def export_charts(
    *, appointment_ids: list[int], user, where: str = "export", **_signal_kwargs
) -> dict:
    """`bookings.privacy.client_exported`: the client's charts in their data export (the
    export is a read of them, so it is logged like any other: by the manager, or with no
    staff user when the signed-in client downloads their own)."""
    notes = list(
        ChartNote.objects.filter(appointment_id__in=appointment_ids)
        .select_related("appointment")
        .prefetch_related("entries", "addenda")
        .order_by("appointment__start")
    )
    log_chart_reads(user=user, appointment_ids=[n.appointment_id for n in notes], where=where)
    return {
        "session_charts": [
            {
                "appointment": n.appointment.reference,
                "signed_at": n.signed_at.isoformat() if n.signed_at else None,
                "subjective": n.subjective,
                "objective": n.objective,
                "assessment": n.assessment,
                "plan": n.plan,
                "pressure_used": n.pressure_used,
                "regions": [
                    {
                        "region": e.region,
                        "technique": e.technique,
                        "pressure": e.pressure,
                        "client_response": e.client_response,
                    }
                    for e in n.entries.all()
                ],
                "addenda": [
                    {"at": a.created_at.isoformat(), "text": a.text} for a in n.addenda.all()
                ],
            }
            for n in notes
        ],
    }
