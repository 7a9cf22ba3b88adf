"""Texts to clients: queued with the change that causes them, through the outbox.

A text is an outbox row (kind `text_<what>`, builder `texts.services.text_message`) plus
its `texts.Text` row, both written in the caller's transaction: the mail worker sends it
after commit, retries it with backoff and dead-letters it like any e-mail, and staff see it
in the outbox admin. Unprompted texts (reminders, offers) wait out the quiet hours
(`TEXTS_QUIET_FROM_HOUR`-`TEXTS_QUIET_UNTIL_HOUR` clinic time); a reply to what the client
just did goes at once.
"""

import datetime as dt
import secrets as random_codes
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from bookings.models import Appointment
from clients.models import Client
from core.clock import clinic_tz
from core.languages import client_language
from outbox.services import Moot, email_queue, open_secret, seal_secret
from texts import records, wording
from texts.gateway import TextMessage
from texts.models import ClientTexts, ShortLink, Text

PREFIX = "text_"
# The short link's code: 8 characters of an unambiguous alphabet, ~10^12 codes.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 8


def enabled() -> bool:
    return bool(settings.TEXTS_ENABLED)


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """When the quiet hours around `now` end (clinic time), or None outside them."""
    local = now.astimezone(clinic_tz())
    start, end = settings.TEXTS_QUIET_FROM_HOUR, settings.TEXTS_QUIET_UNTIL_HOUR
    quiet = local.hour >= start or local.hour < end
    if not quiet:
        return None
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=clinic_tz())


def number_for(client: Client) -> str:
    """The client's E.164 number if they chose texts and it may be texted, else ""."""
    state = ClientTexts.objects.filter(client=client, wants_texts=True).first()
    if state is None or not state.number:
        return ""
    number = str(state.number)
    return "" if records.blocked_reason(number) else number


def short_link_issue(appointment: Appointment, manage_token: str) -> str:
    """The short manage link (`/m/<code>`): the code maps to this booking's manage link."""
    if not manage_token:
        return short_link(appointment)
    code = "".join(random_codes.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    ShortLink.objects.update_or_create(
        appointment=appointment,
        defaults={"code": code, "sealed_token": seal_secret(manage_token)},
    )
    return short_url(code)


def short_link(appointment: Appointment) -> str:
    link = ShortLink.objects.filter(appointment=appointment).first()
    return short_url(link.code) if link else settings.SITE_URL


def short_url(code: str) -> str:
    return f"{settings.SITE_URL}{reverse('texts:short', args=[code])}"


def short_link_target(code: str) -> str | None:
    """Where a short code leads: the booking's manage page (None for an unknown code)."""
    link = ShortLink.objects.select_related("appointment").filter(code=code.lower()).first()
    if link is None:
        return None
    token = open_secret(link.sealed_token)
    return reverse("bookings:manage", args=[link.appointment.reference, token])


def text_queue(
    *,
    kind: str,
    number: str,
    appointment: Appointment | None = None,
    client: Client | None = None,
    params: dict[str, Any] | None = None,
    secret: str = "",
    unprompted: bool = False,
    now: dt.datetime | None = None,
) -> Text | None:
    """Queue a text in the caller's transaction; None when texts are off or no number."""
    if not enabled() or not number:
        return None
    now = now or timezone.now()
    language = appointment.language if appointment else translation.get_language()
    client = client or (appointment.client if appointment else None)
    text = Text.objects.create(kind=kind, number=number, appointment=appointment, client=client)
    text.email = email_queue(
        kind=f"{PREFIX}{kind}",
        builder=text_message,
        params={"kind": kind, "text": text.pk, **(params or {})},
        secret=secret,
        language=client_language(language),
        moot_after=appointment.start if appointment and kind == "reminder" else None,
        send_at=quiet_until(now) if unprompted else None,
    )
    text.save(update_fields=["email"])
    return text


def text_message(params: dict[str, Any], *, secret: str = "") -> TextMessage:
    """The outbox builder: the text as it reads now, in the client's language (the outbox
    runs it under that language). Moot when the number may no longer be texted, or the
    session it is about changed so that it no longer applies."""
    text = Text.objects.select_related("appointment").get(pk=params["text"])
    number = str(text.number)
    if (reason := records.blocked_reason(number)) and not params.get("force"):
        raise Moot(f"Not texted: {reason}")
    content = _content(text, params, secret)
    Text.objects.filter(pk=text.pk).update(body=content, segments=wording.segments(content))
    return TextMessage(text_id=text.pk, to=[number], body=content)


def _content(text: Text, params: dict[str, Any], secret: str) -> str:
    kind = params["kind"]
    appointment = text.appointment
    if appointment is None:
        return wording.body(kind, note=params.get("note", ""))
    if kind == "reminder":
        if appointment.status != "confirmed":
            raise Moot("The session is no longer confirmed.")
        if appointment.start.isoformat() != params.get("start"):
            raise Moot("The session moved; the move's own text tells the new time.")
    return wording.body(kind, start=appointment.start, link=_link(kind, appointment, secret))


def _link(kind: str, appointment: Appointment, secret: str) -> str:
    site = settings.SITE_URL
    if kind in ("cancelled", "cancel_done"):
        return site + reverse("bookings:book")
    if kind == "deposit":
        pay = reverse("payments:deposit", args=[appointment.reference, appointment.pay_token])
        return site + pay
    if kind == "reconfirm" and secret:
        return site + reverse("bookings:reconfirm", args=[secret])
    if kind in ("confirmed", "reminder", "link"):
        return short_link(appointment)
    return ""
