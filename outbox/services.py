"""Queue e-mails with the change that causes them; send them after commit; retry failures.

`email_queue` writes the row inside the caller's transaction and, once that commits, asks
the mail worker to deliver it at once (`outbox.delivery.deliver_email_task`, queue "mail").
A failed try schedules its own retry with growing, jittered delays until the e-mail is sent,
becomes moot (with the reason) or, after the last try, a dead letter that staff are alerted
to and can send again (`email_send_again`). Delivery claims the row first, so two workers
never send one e-mail twice, and a worker that dies mid-send lets its claim lapse.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

# Re-exported: callers send and seal through outbox.services.
from core.languages import current_language
from outbox.delivery import (  # noqa: F401
    Moot,
    email_deliver,
    email_deliver_later,
    email_deliver_soon,
    emails_deliver_due,
    emails_hand_over,
    retry_delay,
)
from outbox.models import Email, EmailStatus
from outbox.sealing import open_secret, seal_secret  # noqa: F401

Builder = Callable[..., EmailMessage | None]
ERASED = "Not sent: the person's data was erased."


def _path(builder: Builder) -> str:
    path = f"{builder.__module__}.{builder.__qualname__}"
    try:
        importable = import_string(path) is builder
    except ImportError:
        importable = False
    if not importable:
        raise ValueError(f"{path} is not importable: e-mail builders must be module functions.")
    return path


def email_queue(
    *,
    kind: str,
    builder: Builder,
    params: Mapping[str, Any],
    secret: str = "",
    language: str = "",
    moot_after: dt.datetime | None = None,
    send_at: dt.datetime | None = None,
) -> Email:
    """Record an e-mail to send once the surrounding transaction commits.

    `builder(params, secret=...)` runs in the worker and returns the message, or raises
    `Moot("why")` (or returns None) when it is no longer needed (say, a reminder for a
    session cancelled meanwhile). It runs in `language` (default: the one active now, i.e.
    the client's request's), so a sign-in link asked for on a Spanish page arrives in
    Spanish even though the worker writes it. After `moot_after` (a reminder: the session's
    start) it is not sent at all, however long the mail server was down. With `send_at`
    (a gift card for a chosen day) it waits until then: the worker is asked to deliver it at
    that time, and the sweep hands it over should that request be lost.
    """
    email = Email.objects.create(
        kind=kind,
        builder=_path(builder),
        params=dict(params),
        secret=seal_secret(secret),
        language=language or current_language(),
        moot_after=moot_after,
        **({"next_attempt_at": send_at} if send_at else {}),
    )
    if send_at and send_at > timezone.now():
        email_deliver_later(email.pk, send_at)
    else:
        email_deliver_soon(email.pk)
    return email


# Staff may send again what is waiting or was given up; never what was sent or is moot.
SENDABLE_AGAIN = (EmailStatus.PENDING, EmailStatus.DEAD)


def email_send_again(*, email: Email) -> bool:
    """Staff fixed the mail server: send a dead letter (or a waiting e-mail) now, with a
    fresh set of retries. False when it was sent, is moot or is being sent meanwhile."""
    again = Email.objects.filter(pk=email.pk, status__in=SENDABLE_AGAIN).update(
        status=EmailStatus.PENDING,
        next_attempt_at=timezone.now(),
        attempts=0,
        reason="",
    )
    if again:
        email_deliver_soon(email.pk)
    return bool(again)


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
    emails.filter(status__in=SENDABLE_AGAIN).update(status=EmailStatus.MOOT, reason=ERASED)
    return emails.update(recipients="", subject="", secret="", last_error="")
