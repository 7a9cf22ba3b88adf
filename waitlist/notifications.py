"""E-mails to waiting clients: "you are on the waitlist" and "a slot is yours to take"."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from outbox.render import render_message
from outbox.services import email_queue
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer

JOINED = "waitlist_joined"
OFFER = "waitlist_offer"


def offer_url(offer: WaitlistOffer, token: str) -> str:
    return settings.SITE_URL + reverse("waitlist:offer", args=[offer.pk, token])


def joined_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    entry = WaitlistEntry.objects.select_related("service", "therapist").get(pk=params["entry"])
    return render_message(
        JOINED,
        {"entry": entry, "hold_minutes": settings.WAITLIST_OFFER_HOLD_MINUTES},
        subject=f"You are on the waitlist for {entry.service.name}",
        to=[entry.email],
    )


def offer_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    offer = WaitlistOffer.objects.select_related("entry__service", "therapist").get(
        pk=params["offer"]
    )
    if offer.status != OfferStatus.OPEN:
        return None  # lapsed or withdrawn before it could be sent
    start = timezone.localtime(offer.start)
    return render_message(
        OFFER,
        {"offer": offer, "entry": offer.entry, "accept_url": offer_url(offer, secret)},
        subject=f"A time is free for you: {start:%a %d %b %H:%M}, reply by {timezone.localtime(offer.expires_at):%H:%M}",
        to=[offer.entry.email],
    )


def queue_joined_email(entry: WaitlistEntry) -> None:
    email_queue(kind=JOINED, builder=joined_email, params={"entry": entry.pk})


def queue_offer_email(offer: WaitlistOffer, *, token: str) -> None:
    email_queue(kind=OFFER, builder=offer_email, params={"offer": offer.pk}, secret=token)
