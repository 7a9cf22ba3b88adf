"""Queue e-mails with the change that causes them; send them after commit; retry failures.

`email_queue` writes the row inside the caller's transaction and, once that commits, asks
the background worker to deliver it at once (`outbox.tasks.deliver_email_task`). If that
first attempt fails, or the worker is down, `emails_deliver_due` (run by the periodic sweep)
picks the row up again, with growing delays, until it is sent or the clinic gives up after
the last delay; every failure is logged and kept on the row for the admin.

Delivery locks the row with `SELECT ... FOR UPDATE SKIP LOCKED` for the length of the send,
so two workers never send one e-mail twice; a worker that dies mid-send leaves the row
pending and it is retried.
"""

import base64
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from outbox.models import Email, EmailStatus

logger = logging.getLogger(__name__)

Builder = Callable[..., EmailMessage | None]


def _path(builder: Builder) -> str:
    path = f"{builder.__module__}.{builder.__qualname__}"
    try:
        importable = import_string(path) is builder
    except ImportError:
        importable = False
    if not importable:
        raise ValueError(f"{path} is not importable: e-mail builders must be module functions.")
    return path


# --- The link secret at rest ----------------------------------------------------------
#
# An e-mail's `secret` (a manage-link or waitlist-offer token) waits in the table until the
# mail is sent. It is kept sealed with a key derived from SECRET_KEY, so a database dump, a
# backup or any admin page that shows rows never shows a usable link: AES-GCM from the
# `cryptography` package (fresh random nonce per row; the tag proves which of SECRET_KEY and
# SECRET_KEY_FALLBACKS sealed it).

SEALED_PREFIX = "s1:"
_NONCE = 12
MAX_SECRET_LENGTH = 44  # sealed (nonce + text + 16-byte tag, base64), it fits the column (100)


def _aead(key: str) -> AESGCM:
    return AESGCM(salted_hmac("outbox.secret", "", secret=key, algorithm="sha256").digest())


def seal_secret(secret: str) -> str:
    if not secret:
        return ""
    plain = secret.encode()
    if len(plain) > MAX_SECRET_LENGTH:
        raise ValueError(f"An e-mail secret is at most {MAX_SECRET_LENGTH} bytes.")
    nonce = secrets.token_bytes(_NONCE)
    raw = nonce + _aead(settings.SECRET_KEY).encrypt(nonce, plain, None)
    return SEALED_PREFIX + base64.urlsafe_b64encode(raw).decode()


def open_secret(stored: str) -> str:
    """The secret as queued; raises ValueError when no key in use sealed it."""
    if not stored.startswith(SEALED_PREFIX):
        return stored  # queued before secrets were sealed
    raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])
    nonce, sealed = raw[:_NONCE], raw[_NONCE:]
    for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        try:
            return _aead(key).decrypt(nonce, sealed, None).decode()
        except InvalidTag:
            continue
    raise ValueError("The e-mail's link secret was sealed with a key no longer in use.")


def email_queue(
    *, kind: str, builder: Builder, params: Mapping[str, Any], secret: str = ""
) -> Email:
    """Record an e-mail to send once the surrounding transaction commits.

    `builder(params, secret=...)` runs in the worker and returns the message, or None when
    it is no longer needed (say, a reminder for a session cancelled meanwhile).
    """
    email = Email.objects.create(
        kind=kind, builder=_path(builder), params=dict(params), secret=seal_secret(secret)
    )
    from outbox.tasks import deliver_email_task

    # robust: a failure to enqueue is logged, and the sweep still finds the row.
    transaction.on_commit(partial(deliver_email_task.enqueue, email.pk), robust=True)
    return email


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


def email_retry_now(*, email: Email) -> None:
    """Staff fixed the mail server: try a failed or waiting e-mail again at the next sweep."""
    Email.objects.filter(pk=email.pk).exclude(status=EmailStatus.SENT).update(
        status=EmailStatus.PENDING, next_attempt_at=timezone.now()
    )


def emails_to(address: str):
    """E-mails the clinic sent (or still owes) to this address, whatever its case."""
    address = address.strip().lower()
    candidates = Email.objects.filter(recipients__icontains=address)
    return Email.objects.filter(
        pk__in=[
            email.pk
            for email in candidates.only("pk", "recipients")
            if address in {r.strip().lower() for r in email.recipients.split(",")}
        ]
    )


def emails_forget(*, emails) -> int:
    """A person's right to erasure (or retention): blank what the outbox keeps about these
    e-mails (address, subject, link secret, the mail server's answer) and send none of them
    that are still waiting. The row stays, so the clinic still sees that a mail went out."""
    emails.filter(status=EmailStatus.PENDING).update(status=EmailStatus.SKIPPED)
    return emails.update(recipients="", subject="", secret="", last_error="")
