"""The weekly e-mail to clinic managers: credentials that expire in the next 30 days and the
booked sessions they would leave without a qualified therapist.

A therapist may walk on a client's back only with a valid licence and certification on the
day (SPEC rule 1), so a lapse cancels sessions unless the renewal is verified in time; the
managers hear about it weekly, early enough to chase the renewal or move the clients.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.credentials import expiring_credentials
from bookings.roles import CLINIC_MANAGER
from core.clock import localise
from outbox.models import PeriodicRun
from outbox.render import render_message
from outbox.services import email_queue

DIGEST = "manager_digest"


def headlines(today: dt.date) -> list[tuple[str, str]]:
    """Last week's headline numbers, computed by the reports and checkout apps (the project
    package sits above every app, so it calls them directly): sessions, rates, takings."""
    from checkout.payroll import takings_headlines
    from reports.headlines import weekly_headlines

    return weekly_headlines(today=today) + takings_headlines(today=today)


def manager_emails() -> list[str]:
    users = get_user_model().objects.filter(
        Q(groups__name=CLINIC_MANAGER) | Q(is_superuser=True), is_active=True
    )
    return sorted({u.email for u in users if u.email})


def manager_digest_email(
    params: dict[str, Any], *, secret: str = ""
) -> EmailMultiAlternatives | None:
    recipients = manager_emails()
    if not recipients:
        return None
    today = dt.date.fromisoformat(params["day"])
    days = settings.MANAGER_DIGEST_EXPIRING_DAYS
    rows = expiring_credentials(today=today, days=days)
    affected = sum(len(row.appointments) for row in rows)
    return render_message(
        DIGEST,
        {
            "rows": rows,
            "today": today,
            "days": days,
            "affected": affected,
            "headlines": headlines(today),
        },
        subject=(
            f"Credentials expiring in the next {days} days: {len(rows)}"
            + (f", {affected} session{'s' if affected > 1 else ''} affected" if affected else "")
        ),
        to=recipients,
    )


def manager_digest_send_if_due(*, now: dt.datetime | None = None) -> int:
    """Queue this week's digest once the configured weekday and hour have come (later in the
    week if the sweep was down then); the unique (name, ISO week) row makes it once a week."""
    local = localise(now or timezone.now())
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
