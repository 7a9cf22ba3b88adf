"""Withdrawing a clearance: the professional took it back, or it was recorded in error.

A withdrawn clearance stays on the record with who withdrew it, why and when (the history
of what was relied on is kept), but it covers no session from then on
(`clearances.covering_clearance` skips it). Every session still to come on the client's
record is held to the rule again (`session_status.session_restrict`): one that another clearance
still covers keeps going, with that clearance's scope; a confirmed one that nothing covers
goes back to review through the one status change, and the client and the clinic are told
as when a re-confirmed intake sends a session back. Sessions that already started keep
their history untouched: they were given under the clearance valid then.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bookings import clearances, session_status
from bookings.models import Appointment, AppointmentStatus
from core.clock import localise
from health.models import Clearance

REASON_MAX = 1000
# The sessions a withdrawal looks at again: every one still to happen.
TO_COME = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.PENDING_REVIEW,
    AppointmentStatus.AWAITING_DEPOSIT,
)


def may_withdraw(user) -> bool:
    """Whoever may record a clearance may withdraw one (the clinic manager)."""
    return clearances.may_record(user)


def clearance_withdraw(
    *, clearance: Clearance, by, reason: str, now: dt.datetime | None = None
) -> list[Appointment]:
    """Withdraw `clearance` (who, why, now), and hold the client's sessions still to come to
    the rule again. Returns the sessions that went back to review."""
    if not may_withdraw(by):
        raise PermissionDenied("Only clinical staff may withdraw a clearance.")
    reason = (reason or "").strip()
    if not reason:
        raise clearances.ClearanceError(
            "Say why the clearance is withdrawn (kept with it).", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise clearances.ClearanceError(
            f"Please keep the reason under {REASON_MAX} characters.", field="reason"
        )
    now = now or timezone.now()
    back: list[Appointment] = []

    def to_come():
        return list(
            Appointment.objects.select_for_update(of=("self",))
            .select_related("intake", "client")
            .filter(client_id=clearance.client_id, start__gt=now, status__in=TO_COME)
            .order_by("start", "pk")
        )

    with transaction.atomic():
        # Locks in the order every other path takes them: the sessions first (a move, a
        # re-confirmation, an approval lock their session, then the clearances), then all
        # of the record's clearances in the model's order (`clearances.covering_clearance`).
        to_come()
        rows = list(Clearance.objects.select_for_update().filter(client_id=clearance.client_id))
        clearance = next(row for row in rows if row.pk == clearance.pk)
        if clearance.withdrawn_at is not None:
            raise clearances.ClearanceError(
                f"This clearance was already withdrawn on {localise(clearance.withdrawn_at):%d %B %Y}."
            )
        clearance.withdrawn_at, clearance.withdrawn_by = now, by
        clearance.withdrawn_reason = reason
        clearance.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        # Again: a booking that relied on this clearance may have committed while we waited.
        for appointment in to_come():
            was = appointment.status
            session_status.session_restrict(
                appointment=appointment, actor=by, now=now, clearance_withdrawn=clearance.pk
            )
            if was != appointment.status:
                back.append(appointment)
    return back
