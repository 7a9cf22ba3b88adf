"""Which booked sessions an expiring credential would leave without a qualified therapist.

A therapist may walk on a client's back only with a valid licence and certification on the
day (SPEC rule 1). When a credential lapses, every later session that needs it is at risk
unless a verified renewal covers that day. One rule, used by the admin's "expiring soon" page
and the managers' weekly e-mail.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from bookings.availability import MASSAGE_LICENCE, CredentialSpan, qualifies
from bookings.models import Appointment, AppointmentStatus
from therapists.models import Credential


@dataclass
class ExpiringCredential:
    credential: Credential
    appointments: list[Appointment] = field(default_factory=list)
    renewal: Credential | None = None  # a verified credential of the same kind lasting longer


def expiring_credentials(*, today: dt.date, days: int) -> list[ExpiringCredential]:
    """Verified credentials expiring from `today` to `today + days`, each with the future
    sessions of its therapist that need it and have no verified renewal for their day.

    Three queries: the expiring credentials, all verified credentials of their therapists,
    and those therapists' booked sessions after the first lapse."""
    expiring = list(
        Credential.objects.verified()
        .filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))
        .select_related("therapist", "verified_by")
        .order_by("expires_on", "therapist__display_name", "pk")
    )
    if not expiring:
        return []
    therapist_ids = {c.therapist_id for c in expiring}
    held: dict[int, list[Credential]] = defaultdict(list)
    for credential in Credential.objects.verified().filter(therapist_id__in=therapist_ids):
        held[credential.therapist_id].append(credential)
    tz = timezone.get_current_timezone()
    first_lapse = dt.datetime.combine(
        min(c.expires_on for c in expiring) + dt.timedelta(days=1), dt.time(), tz
    )
    sessions = (
        Appointment.objects.filter(
            therapist_id__in=therapist_ids,
            status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING_REVIEW],
            start__gte=max(first_lapse, timezone.now()),
        )
        .select_related("client", "service__style", "therapist", "room")
        .order_by("start")
    )
    rows = [ExpiringCredential(c, renewal=_renewal(c, held[c.therapist_id])) for c in expiring]
    for appointment in sessions:
        day = timezone.localtime(appointment.start, tz).date()
        required = appointment.service.style.required_credential
        spans = [
            CredentialSpan(c.kind, c.issued_on, c.expires_on)
            for c in held[appointment.therapist_id]
        ]
        if qualifies(spans, required, day):
            continue
        for row in rows:
            credential = row.credential
            if (
                credential.therapist_id == appointment.therapist_id
                and credential.expires_on < day
                and credential.kind in (required, MASSAGE_LICENCE)
            ):
                row.appointments.append(appointment)
    return rows


def _renewal(credential: Credential, held: list[Credential]) -> Credential | None:
    later = [
        c
        for c in held
        if c.pk != credential.pk
        and c.kind == credential.kind
        and (c.expires_on is None or c.expires_on > credential.expires_on)
    ]
    return max(later, key=lambda c: c.expires_on or dt.date.max, default=None)
