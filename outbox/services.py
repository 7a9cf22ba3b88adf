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

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

# Re-exported: callers send and seal through outbox.services.
from core.languages import current_language
from outbox.delivery import email_deliver, emails_deliver_due, retry_delays  # noqa: F401
from outbox.models import Email, EmailStatus
from outbox.sealing import open_secret, seal_secret  # noqa: F401
from outbox.tasks import deliver_email_task

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


def email_queue(
    *,
    kind: str,
    builder: Builder,
    params: Mapping[str, Any],
    secret: str = "",
    language: str = "",
) -> Email:
    """Record an e-mail to send once the surrounding transaction commits.

    `builder(params, secret=...)` runs in the worker and returns the message, or None when
    it is no longer needed (say, a reminder for a session cancelled meanwhile). It runs in
    `language` (default: the one active now, i.e. the client's request's), so a sign-in
    link asked for on a Spanish page arrives in Spanish even though the worker writes it.
    """
    email = Email.objects.create(
        kind=kind,
        builder=_path(builder),
        params=dict(params),
        secret=seal_secret(secret),
        language=language or current_language(),
    )
    # robust: a failure to enqueue is logged, and the sweep still finds the row.
    transaction.on_commit(partial(deliver_email_task.enqueue, email.pk), robust=True)
    return email


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
