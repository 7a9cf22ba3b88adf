"""Which booked sessions an expiring credential would leave without a qualified therapist.

When a credential lapses, every later session that needs it is at risk unless a verified
renewal covers that day. The credential rule itself is `therapists.qualifications`; this
module only joins it with the bookings. Used by the admin's "expiring soon" page and the
managers' weekly e-mail.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from core.clock import clinic_tz, local_midnight
from therapists.models import Credential
from therapists.qualifications import MASSAGE_LICENCE, qualifies, span_of
from therapists.qualifications import expiring_credentials as credentials_expiring


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
    expiring = credentials_expiring(today=today, days=days)
    if not expiring:
        return []
    held = {row.credential.therapist_id: row.held for row in expiring}
    first_lapse = local_midnight(
        min(row.credential.expires_on for row in expiring) + dt.timedelta(days=1)
    )
    sessions = (
        Appointment.objects.filter(
            therapist_id__in=held,
            status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING_REVIEW],
            start__gte=max(first_lapse, timezone.now()),
        )
        .select_related("client", "service__style", "therapist", "room")
        .order_by("start")
    )
    rows = [ExpiringCredential(row.credential, renewal=row.renewal) for row in expiring]
    tz = clinic_tz()
    for appointment in sessions:
        day = timezone.localtime(appointment.start, tz).date()
        required = appointment.service.style.required_credential
        if qualifies([span_of(c) for c in held[appointment.therapist_id]], required, day):
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
