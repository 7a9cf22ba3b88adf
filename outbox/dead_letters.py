"""Dead letters: e-mails the clinic gave up on after every retry failed.

Nobody may lose an e-mail without being told. When one becomes a dead letter, the desk's
address and every active staff member who may see the outbox (front desk, managers) get an
alert, at most one per `OUTBOX_ALERT_EVERY_MINUTES` (a long outage gives one alert, not one
per e-mail); the alert counts the dead letters when it is sent and links to them in the
admin, where "send again" re-queues them. The alert is itself an outbox e-mail (retried,
and visible if it dies too, but never alerted about, so a dead mail server makes no loop).
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from outbox.models import Email, EmailStatus, PeriodicRun
from outbox.services import Moot, email_queue

ALERT = "dead_letter_alert"
VIEW_OUTBOX = "outbox.view_email"


def dead_letters():
    return Email.objects.filter(status=EmailStatus.DEAD)


def dead_letters_url() -> str:
    return reverse("admin:outbox_email_changelist") + f"?status__exact={EmailStatus.DEAD}"


def alert_recipients() -> list[str]:
    """The desk's mailbox and everyone who may open the outbox in the admin."""
    staff = (
        get_user_model()
        .objects.with_perm(VIEW_OUTBOX, backend="django.contrib.auth.backends.ModelBackend")
        .filter(is_active=True)
    )
    return sorted({settings.CLINIC_EMAIL, *(u.email for u in staff if u.email)} - {""})


def _period(now: dt.datetime) -> str:
    minutes = max(1, settings.OUTBOX_ALERT_EVERY_MINUTES)
    start = int(now.timestamp()) // (minutes * 60) * minutes * 60
    return dt.datetime.fromtimestamp(start, tz=dt.UTC).strftime("%Y%m%dT%H%M")


def alert_on_dead_letter(sender, *, email: Email, now: dt.datetime, **kwargs) -> None:
    """Receiver of `outbox.signals.email_dead`: queue this period's alert, once."""
    if email.kind == ALERT:
        return
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=ALERT, period=_period(now))
            email_queue(kind=ALERT, builder=dead_letter_alert_email, params={})
    except IntegrityError:
        pass  # this period's alert is already queued


def dead_letter_alert_email(params: dict[str, Any], *, secret: str = "") -> EmailMessage:
    letters = dead_letters().exclude(kind=ALERT)
    by_kind = list(letters.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind"))
    total = sum(n for _, n in by_kind)
    if not total:
        raise Moot("Every dead letter was sent again before the alert went out.")
    latest = letters.order_by("-pk").values_list("last_error", flat=True).first()
    lines = [
        f"{total} e-mail(s) could not be sent after every retry and are waiting in the outbox:",
        "",
        *(f"  {kind}: {n}" for kind, n in by_kind),
        "",
        f"Latest error: {latest}",
        "",
        "Once the mail server works again, select them and choose 'Send again':",
        settings.SITE_URL + dead_letters_url(),
    ]
    with translation.override(settings.LANGUAGE_CODE):  # staff mail stays English
        return EmailMessage(
            subject=f"{settings.CLINIC_NAME}: {total} e-mail(s) could not be sent",
            body="\n".join(lines) + "\n",
            to=alert_recipients(),
        )


def dead_letter_count() -> int:
    return dead_letters().count()
