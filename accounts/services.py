"""Passwordless client sign-in: a one-time link to an address the client booked under.

Why our own tokens and not django-sesame: sesame signs in Django *users*, and clients are
not users here (giving each one a User row would mix them with staff logins, django-axes
and the admin's 2FA). Django's signed tokens (TimestampSigner) expire but cannot be used
only once without a row anyway. A random token whose hash sits in a `SignInLink` row gives
expiry, single use and revocation in one place, as the manage and waitlist links do.

Never tell whether an address is known: a request for an unknown address, or one past the
open-link cap, answers the same and sends nothing. Opening a link proves the client holds
the address, so every record booked under it joins one confirmed record
(bookings.clients.client_confirm_address).
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ErasureRequest, SignInLink
from bookings.clients import client_confirm_address, records_of_address
from clients.models import Client
from core.tokens import token_hash


class LinkError(ValueError):
    """A link that does not sign anyone in; the message is for the client."""


def _open_links(email: str, now: dt.datetime):
    return SignInLink.objects.filter(email__iexact=email, used_at=None, expires_at__gt=now)


@transaction.atomic
def sign_in_link_request(*, email: str, now: dt.datetime | None = None) -> SignInLink | None:
    """Queue a sign-in e-mail when someone booked under `email` and it holds fewer than
    SIGN_IN_LINKS_OPEN_MAX unused links; None (and nothing sent) otherwise."""
    from accounts.notifications import queue_sign_in_email

    now = now or timezone.now()
    email = email.strip()
    known = records_of_address(email).first()
    if known is None:
        return None
    email = known.email  # write to the address as booked, not as typed now
    if _open_links(email, now).count() >= settings.SIGN_IN_LINKS_OPEN_MAX:
        return None
    link = SignInLink(
        email=email, expires_at=now + dt.timedelta(minutes=settings.SIGN_IN_LINK_MINUTES)
    )
    token = link.set_token()
    link.save()
    queue_sign_in_email(link, token=token)
    return link


@transaction.atomic
def sign_in_link_use(*, token: str, now: dt.datetime | None = None) -> Client:
    """Spend the link: the client's confirmed record. LinkError for a wrong, used or expired
    link (one message for all three: it says nothing about which addresses exist)."""
    now = now or timezone.now()
    link = SignInLink.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise LinkError("This sign-in link has expired or was already used. Ask for a new one.")
    link.used_at = now
    link.save(update_fields=["used_at"])
    record = client_confirm_address(email=link.email)
    if record is None:  # the records were erased since the link was sent
        raise LinkError("This sign-in link has expired or was already used. Ask for a new one.")
    return record


@transaction.atomic
def erasure_request_create(*, client: Client) -> ErasureRequest:
    """Record the client's request for staff; one open request per record is enough."""
    open_request = client.erasure_requests.filter(handled_at=None).first()
    return open_request or ErasureRequest.objects.create(client=client)


def on_client_erased(sender, *, email: str, addresses: set[str], **kwargs) -> None:
    """Erasure: the client's links go; their erase requests are handled."""
    for address in addresses:
        SignInLink.objects.filter(email__iexact=address).delete()
    ErasureRequest.objects.filter(client__email__iexact=email, handled_at=None).update(
        handled_at=timezone.now()
    )


@transaction.atomic
def manage_link_reissue(*, appointment) -> str:
    """A fresh manage-link token for the signed-in client's own booking, so /account/ opens
    the existing manage pages. The older link (in the booking e-mail) stops working: only
    the hash is kept, so the old token cannot be shown again."""
    token = appointment.set_manage_token()
    appointment.save(update_fields=["manage_token_hash"])
    return token
