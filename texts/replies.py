"""What a client's reply does: the one rule for inbound texts.

Keywords (case and spaces ignored): C confirms the next session, X cancels it inside the
client's cut-off (through the bookings' own cancel service, so the policy and the freed
slot are the same as on the manage page), R sends the manage link, Twilio's opt-out words
(STOP, ...; PARAR, ARRET) stop every text to the number, START resumes. Anything else goes to
the front desk's inbox. Each inbound message acts once (unique on MessageSid).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.booking_changes import booking_cancel
from bookings.models import Appointment, AppointmentStatus
from bookings.services import BookingError
from clients.models import Client
from texts import records, services
from texts.models import Attendance, ClientTexts, Inbound

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
STOP_WORDS |= {"PARAR", "ARRET", "ARRÊT", "BAJA"}
START_WORDS = {"START", "UNSTOP", "YES"}
Action = Inbound.Action


def client_of(number: str) -> Client | None:
    state = ClientTexts.objects.filter(number=number).select_related("client").last()
    return state.client if state else None


def next_session(client: Client | None, now: dt.datetime) -> Appointment | None:
    if client is None:
        return None
    return (
        Appointment.objects.filter(client=client, status=AppointmentStatus.CONFIRMED, start__gt=now)
        .order_by("start")
        .first()
    )


def inbound_receive(*, sid: str, number: str, body: str, now: dt.datetime | None = None):
    """Act on one inbound text; None when this MessageSid was handled already."""
    now = now or timezone.now()
    word = " ".join(body.split()).upper().rstrip(".!")
    client = client_of(number)
    try:
        with transaction.atomic():
            inbound = Inbound.objects.create(
                sid=sid, number=number, client=client, body=body[:2000], action=Action.INBOX
            )
    except IntegrityError:
        return None
    action = _act(word, number, client, now)
    Inbound.objects.filter(pk=inbound.pk).update(
        action=action, handled_at=None if action == Action.INBOX else now
    )
    return action


def _act(word: str, number: str, client: Client | None, now: dt.datetime) -> str:
    if word in STOP_WORDS:
        records.number_opt_out(number, now)
        _reply(number, client, "stopped", force=True)
        return Action.STOPPED
    if word in START_WORDS:
        records.number_opt_in(number)
        _reply(number, client, "started")
        return Action.STARTED
    if word not in {"C", "X", "R"}:
        return Action.INBOX
    session = next_session(client, now)
    if session is None:
        _reply(number, client, "no_booking")
        return Action.NO_BOOKING
    if word == "C":
        Attendance.objects.get_or_create(appointment=session, defaults={"confirmed_at": now})
        _reply(number, client, "attending", session)
        return Action.CONFIRMED
    if word == "R":
        _reply(number, client, "link", session)
        return Action.LINK
    try:
        booking_cancel(appointment=session, reason="Cancelled by the client by text (X)", now=now)
    except BookingError:
        _reply(number, client, "cancel_late", session)
        return Action.CANCEL_REFUSED
    return Action.CANCELLED  # the cancellation e-mail's text twin tells the client


def _reply(number, client, kind, session=None, *, force=False) -> None:
    """Answer at once (the client just wrote). The STOP answer is the last text that
    number gets, sent however the number stands (carriers expect it)."""
    if not force and records.blocked_reason(number):
        return
    with transaction.atomic():
        text = services.text_queue(kind=kind, number=number, appointment=session, client=client)
        if text is not None and force:
            text.email.params["force"] = True
            text.email.save(update_fields=["params"])
