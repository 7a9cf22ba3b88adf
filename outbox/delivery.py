"""Sending one queued e-mail, and every due one: the worker's side of the outbox.

Delivery locks the row with `SELECT ... FOR UPDATE SKIP LOCKED` for the length of the send,
so two workers never send one e-mail twice; a worker that dies mid-send leaves the row
pending and it is retried. A failure is logged and kept on the row, and retried after the
delays of `OUTBOX_RETRY_MINUTES`, then the row is marked failed.

(Separate from `outbox.services` so that queueing -> task -> delivery has no import loop.)
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from core.languages import client_language
from outbox.models import Email, EmailStatus
from outbox.sealing import open_secret

# The logger keeps its old name: operators' log filters and alerts look for it.
logger = logging.getLogger("outbox.services")


def retry_delays() -> list[dt.timedelta]:
    return [dt.timedelta(minutes=m) for m in settings.OUTBOX_RETRY_MINUTES]


def email_deliver(email_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Send one pending, due e-mail unless another worker holds it; return its new status."""
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            Email.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if email is None:
            return None
        try:
            # A savepoint: a database error while building leaves the row writable.
            with transaction.atomic():
                builder = import_string(email.builder)
                with translation.override(client_language(email.language)):
                    message = builder(email.params, secret=open_secret(email.secret))
                if message is not None:
                    message.send()
        except Exception as error:
            _record_failure(email, error, now)
        else:
            if message is None:
                email.status = EmailStatus.SKIPPED
            else:
                email.status = EmailStatus.SENT
                email.recipients = ", ".join(message.to)[:500]
                email.subject = message.subject[:300]
            email.sent_at = now
            email.secret = ""
            email.last_error = ""
        email.save()
    if email.status == EmailStatus.SENT:
        logger.info("Sent %s e-mail #%s", email.kind, email.pk)
    return email.status


def _record_failure(email: Email, error: Exception, now: dt.datetime) -> None:
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    delays = retry_delays()
    if email.attempts > len(delays):
        # The secret stays so staff can retry from the admin once the mail server works.
        email.status = EmailStatus.FAILED
        logger.error(
            "Gave up on %s e-mail #%s after %s attempts: %s",
            email.kind,
            email.pk,
            email.attempts,
            email.last_error,
            exc_info=error,
        )
        return
    email.next_attempt_at = now + delays[email.attempts - 1]
    logger.warning(
        "Sending %s e-mail #%s failed (attempt %s), retrying at %s: %s",
        email.kind,
        email.pk,
        email.attempts,
        email.next_attempt_at.isoformat(),
        email.last_error,
        exc_info=error,
    )


def emails_deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every due e-mail not held by another worker (new ones whose first delivery was
    missed, and retries); return how many were sent."""
    now = now or timezone.now()
    due = list(
        Email.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(email_deliver(pk, now=now) == EmailStatus.SENT for pk in due)
