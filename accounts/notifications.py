"""The sign-in e-mail, sent through the outbox like every client e-mail."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import SignInLink
from bookings.notifications import render_message
from outbox.services import email_queue

SIGN_IN = "sign_in"


def sign_in_url(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:sign_in_link", args=[token])


def sign_in_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    link = SignInLink.objects.filter(pk=params["link"], used_at=None).first()
    if link is None:
        return None
    return render_message(
        SIGN_IN,
        {"sign_in_url": sign_in_url(secret), "minutes": settings.SIGN_IN_LINK_MINUTES},
        subject=gettext("Your sign-in link"),
        to=[link.email],
    )


def queue_sign_in_email(link: SignInLink, *, token: str) -> None:
    email_queue(
        kind=SIGN_IN,
        builder=sign_in_email,
        params={"link": link.pk},
        secret=token,
        moot_after=link.expires_at,  # the link would no longer work
    )
