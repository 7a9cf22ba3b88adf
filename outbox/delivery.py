"""Sending one queued e-mail: the worker's side of the outbox.

A worker first claims the row with one conditional UPDATE (pending and due, or sending with
a lapsed claim -> sending, with its own token and a claim that lasts `OUTBOX_CLAIM_SECONDS`),
so two workers, or a task that runs twice, never send one e-mail twice; the send itself then
happens outside any transaction, and only the claim's holder may record the outcome. A
worker killed mid-send leaves the claim to lapse and the e-mail is taken up again.

Every e-mail ends in one of three states, none of them silent:
- sent;
- moot: the builder says it is no longer worth sending (raises `Moot`, or returns None), or
  its `moot_after` passed, e.g. a reminder for a session that has begun; the reason is kept;
- dead: `OUTBOX_MAX_ATTEMPTS` tries failed. Staff are alerted (`outbox.dead_letters`), see
  it in the admin with the last error, and can send it again.

A failed try is retried with exponential backoff and jitter; the delivery task schedules
its own retry (`run_after`) in the same transaction that records the failure, so retries
need no other process. The periodic sweep only hands over e-mails whose task was lost.

(Separate from `outbox.services` so that queueing -> task -> delivery has no import loop.)
"""

import datetime as dt
import logging
import random
import secrets
from email.utils import parseaddr

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from core.languages import client_language
from outbox.models import Email, EmailStatus
from outbox.sealing import open_secret
from outbox.signals import email_dead

# The logger keeps its old name: operators' log filters and alerts look for it.
logger = logging.getLogger("outbox.services")

QUEUE = "mail"
NOT_NEEDED = "The message was no longer needed when it was due."


class Moot(Exception):  # noqa: N818 (not an error: the message is simply not needed)
    """Raised by a builder: this message is no longer worth sending; the text says why."""


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after the `attempt`-th failed try: OUTBOX_RETRY_BASE_SECONDS doubled
    with every try, at most OUTBOX_RETRY_MAX_SECONDS, of which the second half is random
    ("equal jitter"), so the backlog of an outage does not retry all in the same second."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    ceiling = min(settings.OUTBOX_RETRY_MAX_SECONDS, base * 2 ** min(attempt - 1, 30))
    return dt.timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311


def message_id(email: Email) -> str:
    """The same Message-ID for every try of one e-mail: should a send be repeated (a worker
    killed after the server accepted but before the outcome was recorded), mail programs
    see one message, and the clinic can trace a delivery to its outbox row."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<outbox.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def _claim(email_id: int, now: dt.datetime) -> tuple[Email, str] | None:
    token = secrets.token_hex(16)
    claimable = Q(status=EmailStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=EmailStatus.SENDING, claimed_until__lt=now
    )
    taken = (
        Email.objects.filter(claimable, pk=email_id).update(
            status=EmailStatus.SENDING,
            claim=token,
            claimed_until=now + dt.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
        == 1
    )
    return (Email.objects.get(pk=email_id), token) if taken else None


def email_deliver(email_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Send one pending, due e-mail unless another worker holds it; return its new status
    (None: not due, already done, or held by another worker)."""
    now = now or timezone.now()
    claimed = _claim(email_id, now)
    if claimed is None:
        return None
    email, token = claimed
    if email.attempts > settings.OUTBOX_MAX_ATTEMPTS:
        # The previous try never reported back (its worker died): that was the last one.
        error = "The worker stopped while sending it; no tries are left."
        return _give_up(email, token, email.last_error or error, now)
    if email.moot_after and now >= email.moot_after:
        return _finish_moot(email, token, "Its time passed before it could be sent.")
    try:
        message = _build(email)
        message.send()
    except Moot as moot:
        return _finish_moot(email, token, str(moot) or NOT_NEEDED)
    except Exception as error:
        return _record_failure(email, token, error, now)
    return _finish_sent(email, token, message, now)


def _build(email: Email) -> EmailMessage:
    builder = import_string(email.builder)
    with translation.override(client_language(email.language)):
        message = builder(email.params, secret=open_secret(email.secret))
    if message is None:
        raise Moot(NOT_NEEDED)
    message.extra_headers = {**message.extra_headers, "Message-ID": message_id(email)}
    return message


def _release(email: Email, token: str, **fields) -> bool:
    """Record the outcome, if this worker still holds the claim."""
    done = Email.objects.filter(pk=email.pk, claim=token, status=EmailStatus.SENDING).update(
        claim="", claimed_until=None, **fields
    )
    if not done:
        logger.error(
            "E-mail #%s: the claim lapsed before the outcome (%s) was recorded; "
            "OUTBOX_CLAIM_SECONDS is too short for this mail server",
            email.pk,
            fields.get("status"),
        )
    return bool(done)


def _finish_sent(email: Email, token: str, message: EmailMessage, now: dt.datetime) -> str:
    _release(
        email,
        token,
        status=EmailStatus.SENT,
        recipients=", ".join(message.to)[:500],
        subject=message.subject[:300],
        sent_at=now,
        secret="",
        last_error="",
        reason="",
    )
    logger.info("Sent %s e-mail #%s", email.kind, email.pk)
    return EmailStatus.SENT


def _finish_moot(email: Email, token: str, reason: str) -> str:
    _release(email, token, status=EmailStatus.MOOT, reason=reason[:300], secret="")
    logger.info("%s e-mail #%s not sent: %s", email.kind, email.pk, reason)
    return EmailStatus.MOOT


def _record_failure(email: Email, token: str, error: Exception, now: dt.datetime) -> str:
    last_error = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return _give_up(email, token, last_error, now, error=error)
    retry_at = now + retry_delay(email.attempts)
    with transaction.atomic():
        if _release(
            email,
            token,
            status=EmailStatus.PENDING,
            next_attempt_at=retry_at,
            last_error=last_error,
        ):
            _schedule(email.pk, retry_at)
    logger.warning(
        "Sending %s e-mail #%s failed (attempt %s), retrying at %s: %s",
        email.kind,
        email.pk,
        email.attempts,
        retry_at.isoformat(),
        last_error,
        exc_info=error,
    )
    return EmailStatus.PENDING


def _give_up(
    email: Email, token: str, last_error: str, now: dt.datetime, error: Exception | None = None
) -> str:
    reason = f"Gave up after {email.attempts - (error is None)} tries."
    with transaction.atomic():
        # The secret stays so staff can send it again from the admin.
        if _release(email, token, status=EmailStatus.DEAD, last_error=last_error, reason=reason):
            email_dead.send(sender=Email, email=email, now=now)
    logger.error(
        "Gave up on %s e-mail #%s after %s attempts: %s",
        email.kind,
        email.pk,
        email.attempts,
        last_error,
        exc_info=error,
    )
    return EmailStatus.DEAD


def _schedule(email_id: int, at: dt.datetime) -> None:
    """Ask the worker to try again at `at`, in the caller's transaction: the retry is on
    record exactly when the failure is. A backend that cannot defer (the tests' immediate
    one) leaves it to the sweep."""
    if deliver_email_task.get_backend().supports_defer:
        deliver_email_task.using(run_after=at).enqueue(email_id)


def email_deliver_soon(email_id: int) -> None:
    """Once the surrounding transaction commits, ask the mail worker to send it (robust: a
    failure to enqueue is logged, and the sweep finds the stranded row)."""
    transaction.on_commit(lambda: deliver_email_task.enqueue(email_id), robust=True)


def email_deliver_later(email_id: int, at: dt.datetime) -> None:
    """Once the surrounding transaction commits, ask the mail worker to send it at `at`
    (where the backend cannot defer, the sweep sends it once it is due)."""
    transaction.on_commit(lambda: _schedule(email_id, at), robust=True)


def emails_deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every due e-mail not held by another worker, here and now; return how many were
    sent. (Tests and manual catch-up; the sweep hands e-mails to the worker instead.)"""
    now = now or timezone.now()
    due = list(
        Email.objects.filter(_deliverable(now, dt.timedelta(0)))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(email_deliver(pk, now=now) == EmailStatus.SENT for pk in due)


def _deliverable(now: dt.datetime, overdue_by: dt.timedelta) -> Q:
    return Q(status=EmailStatus.PENDING, next_attempt_at__lte=now - overdue_by) | Q(
        status=EmailStatus.SENDING, claimed_until__lt=now
    )


def emails_hand_over(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """For the periodic sweep: e-mails whose own task was lost (due for more than
    OUTBOX_STRANDED_SECONDS with no delivery task waiting or running for them, or claimed by
    a worker that died) go to the mail worker again; return how many. Never sends here, so
    a hanging mail server cannot hold up the sweep's other steps."""
    now = now or timezone.now()
    if not deliver_email_task.get_backend().supports_defer:
        # No worker queue (the immediate backend): retries wait for the sweep, so it sends.
        return emails_deliver_due(now=now)
    overdue_by = dt.timedelta(seconds=settings.OUTBOX_STRANDED_SECONDS)
    due = Email.objects.filter(_deliverable(now, overdue_by)).order_by("next_attempt_at", "pk")
    queued = _queued_deliveries()
    stranded = [pk for pk in due.values_list("pk", flat=True)[:limit] if pk not in queued]
    for pk in stranded:
        deliver_email_task.enqueue(pk)
    return len(stranded)


def _queued_deliveries() -> set[int]:
    """E-mails with a delivery task waiting or running in the database task backend."""
    if not apps.is_installed("django_tasks_db"):
        return set()
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        task_path__in=[deliver_email_task.module_path, "outbox.tasks.deliver_email_task"],
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in rows if args.get("args")}


@task(queue_name=QUEUE)
def deliver_email_task(email_id: int) -> str | None:
    return email_deliver(email_id)
