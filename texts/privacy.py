"""A client's right to erasure and to a copy, for what texts keep: their number and choice,
the texts sent to them and the texts they sent (the outbox rows are blanked the same way
as e-mails: the row stays, so the clinic still sees that a text went out)."""

from typing import Any

from django.db.models.functions import Lower

from bookings.models import Appointment
from clients.models import Client
from outbox.models import Email
from outbox.services import emails_forget
from texts.models import ClientTexts, Inbound, Text


def _clients(addresses: set[str]) -> list[int]:
    lowered = {address.lower() for address in addresses if address}
    return list(
        Client.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=lowered)
        .values_list("pk", flat=True)
    )


def on_appointments_erased(sender, *, appointment_ids: list[int], **kwargs: Any) -> None:
    """The clients of these sessions are being erased (on request or by retention), before
    their e-mail addresses are: erase what texts keep about them."""
    clients = list(
        Appointment.objects.filter(pk__in=appointment_ids).values_list("client_id", flat=True)
    )
    numbers = [
        str(n)
        for n in ClientTexts.objects.filter(client__in=clients).values_list("number", flat=True)
        if n
    ]
    emails_forget(emails=Email.objects.filter(text__client__in=clients))
    Text.objects.filter(client__in=clients).update(body="", number="", sid="")
    Inbound.objects.filter(client__in=clients).delete()
    Inbound.objects.filter(number__in=numbers).delete()
    ClientTexts.objects.filter(client__in=clients).delete()


def on_client_exported(sender, *, email: str, **kwargs: Any) -> dict[str, Any]:
    clients = _clients({email})
    states = ClientTexts.objects.filter(client__in=clients)
    return {
        "texts": {
            "choices": [
                {
                    "number": str(s.number),
                    "texts": s.wants_texts,
                    "wording": s.consent_wording,
                    "at": s.consent_at.isoformat() if s.consent_at else None,
                }
                for s in states
            ],
            "sent": [
                {"at": t.created_at.isoformat(), "kind": t.kind, "body": t.body}
                for t in Text.objects.filter(client__in=clients)
            ],
            "received": [
                {"at": i.received_at.isoformat(), "body": i.body}
                for i in Inbound.objects.filter(client__in=clients)
            ],
        }
    }
