"""E-mails to waiting clients: "confirm your address" (the one e-mail a join sends) and "a
slot is yours to take" (only ever to a confirmed address)."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from outbox.render import render_message
from outbox.services import Moot, email_queue
from therapists.clinic_time import clock
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

JOINED = "waitlist_joined"
OFFER = "waitlist_offer"


def offer_url(offer: WaitlistOffer, token: str) -> str:
    return settings.SITE_URL + reverse("waitlist:offer", args=[offer.pk, token])


def confirm_url(entry: WaitlistEntry, token: str) -> str:
    return settings.SITE_URL + reverse("waitlist:confirm", args=[entry.pk, token])


def joined_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    """The confirmation e-mail: until its link is opened and confirmed, no offer is made."""
    entry = WaitlistEntry.objects.select_related("service", "therapist").get(pk=params["entry"])
    if entry.status != EntryStatus.PENDING:
        return None  # confirmed, removed or lapsed before it could be sent
    with translation.override(entry.language):
        return _joined_message(entry, secret)


def _joined_message(entry: WaitlistEntry, secret: str) -> EmailMultiAlternatives:
    return render_message(
        JOINED,
        {
            "entry": entry,
            "confirm_url": confirm_url(entry, secret),
            "confirm_hours": settings.WAITLIST_CONFIRM_HOURS,
            "hold_minutes": settings.WAITLIST_OFFER_HOLD_MINUTES,
        },
        subject=gettext("You are on the waitlist for %(service)s once you confirm your e-mail")
        % {"service": entry.service.name},
        to=[entry.email],
    )


def offer_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    offer = WaitlistOffer.objects.select_related("entry__service", "therapist").get(
        pk=params["offer"]
    )
    if offer.status != OfferStatus.OPEN:
        raise Moot("The offer lapsed or was withdrawn before it could be sent.")
    with translation.override(offer.entry.language):  # the language the client joined in
        return _offer_message(offer, secret)


def _offer_message(offer: WaitlistOffer, secret: str) -> EmailMultiAlternatives:
    start = timezone.localtime(offer.start)
    day = date_format(start, pgettext("short day in a subject", "D j M"))
    return render_message(
        OFFER,
        {
            "offer": offer,
            "entry": offer.entry,
            "accept_url": offer_url(offer, secret),
            "max_unanswered": settings.WAITLIST_MAX_UNANSWERED_OFFERS,
        },
        subject=gettext("A time is free for you: %(when)s, reply by %(until)s")
        % {
            "when": f"{day} {clock(start)}",
            "until": clock(offer.expires_at),
        },
        to=[offer.entry.email],
    )


def queue_joined_email(entry: WaitlistEntry, *, token: str) -> None:
    email_queue(kind=JOINED, builder=joined_email, params={"entry": entry.pk}, secret=token)


def queue_offer_email(offer: WaitlistOffer, *, token: str) -> None:
    email_queue(
        kind=OFFER,
        builder=offer_email,
        params={"offer": offer.pk},
        secret=token,
        moot_after=offer.expires_at,  # the slot is held for someone else after that
    )
