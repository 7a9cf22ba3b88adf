"""The weekly e-mail to clinic managers: credentials that expire in the next 30 days and the
booked sessions they would leave without a qualified therapist.

A therapist may walk on a client's back only with a valid licence and certification on the
day (SPEC rule 1), so a lapse cancels sessions unless the renewal is verified in time; the
managers hear about it weekly, early enough to chase the renewal or move the clients.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.availability import MASSAGE_LICENCE, CredentialSpan, qualifies
from bookings.models import Appointment, AppointmentStatus
from bookings.roles import CLINIC_MANAGER
from outbox.models import PeriodicRun
from outbox.services import email_queue
from therapists.models import Credential

DIGEST = "manager_digest"


@dataclass
class ExpiringCredential:
    credential: Credential
    appointments: list[Appointment] = field(default_factory=list)


def expiring_credentials(*, today: dt.date, days: int) -> list[ExpiringCredential]:
    """Verified credentials expiring from `today` to `today + days`, each with the future
    sessions of its therapist that need it and have no verified renewal for their day."""
    expiring = list(
        Credential.objects.verified()
        .filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))
        .select_related("therapist")
        .order_by("expires_on", "therapist__display_name", "pk")
    )
    if not expiring:
        return []
    therapist_ids = {c.therapist_id for c in expiring}
    held: dict[int, list[CredentialSpan]] = defaultdict(list)
    for credential in Credential.objects.verified().filter(therapist_id__in=therapist_ids):
        held[credential.therapist_id].append(
            CredentialSpan(credential.kind, credential.issued_on, credential.expires_on)
        )
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
        .select_related("client", "service__style", "therapist")
        .order_by("start")
    )
    rows = [ExpiringCredential(c) for c in expiring]
    for appointment in sessions:
        day = timezone.localtime(appointment.start, tz).date()
        required = appointment.service.style.required_credential
        if qualifies(held[appointment.therapist_id], required, day):
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


def manager_emails() -> list[str]:
    users = get_user_model().objects.filter(
        Q(groups__name=CLINIC_MANAGER) | Q(is_superuser=True), is_active=True
    )
    return sorted({u.email for u in users if u.email})


def manager_digest_email(
    params: dict[str, Any], *, secret: str = ""
) -> EmailMultiAlternatives | None:
    from bookings.notifications import render_message

    recipients = manager_emails()
    if not recipients:
        return None
    today = dt.date.fromisoformat(params["day"])
    days = settings.MANAGER_DIGEST_EXPIRING_DAYS
    rows = expiring_credentials(today=today, days=days)
    affected = sum(len(row.appointments) for row in rows)
    return render_message(
        DIGEST,
        {"rows": rows, "today": today, "days": days, "affected": affected},
        subject=(
            f"Credentials expiring in the next {days} days: {len(rows)}"
            + (f", {affected} session{'s' if affected > 1 else ''} affected" if affected else "")
        ),
        to=recipients,
    )


def manager_digest_send_if_due(*, now: dt.datetime | None = None) -> int:
    """Queue this week's digest once the configured weekday and hour have come (later in the
    week if the sweep was down then); the unique (name, ISO week) row makes it once a week."""
    local = timezone.localtime(now or timezone.now())
    if (local.weekday(), local.hour) < (
        settings.MANAGER_DIGEST_WEEKDAY,
        settings.MANAGER_DIGEST_HOUR,
    ):
        return 0
    year, week, _ = local.isocalendar()
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=DIGEST, period=f"{year}-W{week:02d}")
            email_queue(
                kind=DIGEST, builder=manager_digest_email, params={"day": str(local.date())}
            )
    except IntegrityError:
        return 0  # already queued this week
    return 1
