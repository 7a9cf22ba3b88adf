"""How texts hear of bookings: in the booking's own transaction, so a text is owed exactly
when the change that causes it commits.

- `booking_written` (bookings.signals): the client's choice (texts or e-mail only) is
  recorded with the wording shown, and the confirmation (or deposit link) is queued;
- an outbox e-mail being queued (`post_save` of `outbox.Email`): the client's cancellation,
  "has anything changed?" link, approval after review or waitlist offer gets its text twin
  for clients who chose texts. The e-mail side stays exactly as it was.
"""

from typing import Any

from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from clients.models import Client
from outbox.models import Email
from outbox.services import open_secret
from texts import consent, services
from waitlist.models import WaitlistOffer

# The client e-mail kind -> the text sent beside it.
TWINS = {
    "cancelled": "cancelled",
    "reconfirm": "reconfirm",
    "approved": "confirmed",
    "rescheduled": "confirmed",
    "waitlist_offer": "offer",
}
UNPROMPTED = {"reconfirm", "offer"}


def booking_written(
    sender: Any, *, appointment: Appointment, client: Any, manage_token: str, **kwargs: Any
) -> None:
    now = timezone.now()
    if hasattr(client, "texts") and not isinstance(client, Client):
        consent.consent_record(appointment.client, client, now=now)
    if not services.enabled():
        return
    number = services.number_for(appointment.client)
    if not number:
        return
    services.short_link_issue(appointment, manage_token)
    if appointment.status == AppointmentStatus.CONFIRMED:
        services.text_queue(kind="confirmed", number=number, appointment=appointment, now=now)
    elif appointment.status == AppointmentStatus.AWAITING_DEPOSIT:
        services.text_queue(kind="deposit", number=number, appointment=appointment, now=now)


def email_queued(sender: Any, *, instance: Email, created: bool, **kwargs: Any) -> None:
    if not created or instance.kind not in TWINS or not services.enabled():
        return
    kind = TWINS[instance.kind]
    if kind == "offer":
        _offer_text(instance)
        return
    appointment_id = instance.params.get("appointment")
    appointment = Appointment.objects.filter(pk=appointment_id).select_related("client").first()
    if appointment is None:
        return
    number = services.number_for(appointment.client)
    if kind == "confirmed" and instance.secret:
        services.short_link_issue(appointment, open_secret(instance.secret))
    services.text_queue(
        kind=kind,
        number=number,
        appointment=appointment,
        params={"start": appointment.start.isoformat()},
        secret=open_secret(instance.secret) if kind == "reconfirm" else "",
        unprompted=kind in UNPROMPTED,
    )


def _offer_text(email: Email) -> None:
    offer = WaitlistOffer.objects.select_related("entry").filter(pk=email.params.get("offer"))
    offer = offer.first()
    if offer is None:
        return
    client = Client.objects.filter(email__iexact=offer.entry.email).order_by("-pk").first()
    number = services.number_for(client) if client else ""
    services.text_queue(
        kind="offer",
        number=number,
        client=client,
        params={"offer": offer.pk},
        secret=open_secret(email.secret),
        unprompted=True,
    )
