"""The rows behind texts: a number's state, a text's Twilio SID and delivery status.

Plain reads and writes, no Twilio and no outbox, so the gateway, the webhooks and the admin
share them without an import loop.
"""

import datetime as dt

from django.utils import timezone

from texts.models import Number, Text

# Delivery statuses in the order Twilio reports them; a late "sent" never undoes "delivered".
ORDER = ["accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed"]
FINAL = {"delivered", "undelivered", "failed"}


def blocked_reason(number: str) -> str:
    """Why this number must not be texted ("" when it may be)."""
    state = Number.objects.filter(number=number).first()
    return state.blocked_reason if state else ""


def number_opt_out(number: str, now: dt.datetime) -> None:
    Number.objects.update_or_create(number=number, defaults={"opted_out_at": now})


def number_opt_in(number: str) -> None:
    Number.objects.filter(number=number).update(opted_out_at=None)


def number_failed(number: str, code: str, reason: str, now: dt.datetime) -> None:
    """Twilio refused the number for good: stop texting it, and keep why for staff."""
    Number.objects.update_or_create(
        number=number,
        defaults={"failed_code": code, "failed_reason": reason[:300], "failed_at": now},
    )


def already_sent(text_id: int) -> bool:
    return Text.objects.filter(pk=text_id).exclude(sid="").exists()


def mark_sent(text_id: int, *, sid: str, status: str) -> None:
    Text.objects.filter(pk=text_id).update(sid=sid, status=status, sent_at=timezone.now())


def status_record(sid: str, status: str, error_code: str) -> Text | None:
    """A delivery-status callback: keep the furthest status reached (callbacks may arrive out
    of order); None for a SID the clinic did not send."""
    text = Text.objects.filter(sid=sid).first()
    if text is None:
        return None
    rank = ORDER.index(status) if status in ORDER else -1
    current = ORDER.index(text.status) if text.status in ORDER else -1
    if rank > current and text.status not in FINAL:
        Text.objects.filter(pk=text.pk, status=text.status).update(
            status=status, error_code=error_code[:10], status_at=timezone.now()
        )
    text.refresh_from_db()
    return text
