"""Rate limits per client address: the groups and their rates, for django-ratelimit.

Booking attempts, manage-link and sign-in-link look-ups, waitlist joins and gift-card
balances are where a script could hammer the clinic (grab every slot, guess references or
codes). Every such view takes django-ratelimit's decorator directly, one way everywhere:

    @ratelimit(group=rate_limits.BOOKING, key="ip", rate=rate_limits.booking_rate, method="POST")

A group is shared by every view that names it (all manage-link pages count together); its
rate is a setting, read on every request so a changed setting applies at once. Counts live
in the shared cache (settings.RATELIMIT_USE_CACHE), so every app server enforces the same
limit. Over the limit the decorator raises `Ratelimited`, which django-ratelimit's
middleware hands to settings.RATELIMIT_VIEW: the friendly 429 page, or the API's 429.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

BOOKING = "booking"
MANAGE_LINK = "manage-link"
SIGN_IN_LINK = "sign-in-link"
WAITLIST_JOIN = "waitlist-join"
GIFT_CARD_BALANCE = "gift-card-balance"
# Card payments for gift cards and packages bought online (stops card testing from one address).
ONLINE_PURCHASE = "online-purchase"


def booking_rate(group: str, request: HttpRequest) -> str:
    return settings.BOOKING_RATE


def manage_link_rate(group: str, request: HttpRequest) -> str:
    return settings.MANAGE_LINK_RATE


def sign_in_link_rate(group: str, request: HttpRequest) -> str:
    return settings.SIGN_IN_LINK_RATE


def waitlist_join_rate(group: str, request: HttpRequest) -> str:
    return settings.WAITLIST_JOIN_RATE


def gift_card_balance_rate(group: str, request: HttpRequest) -> str:
    return settings.GIFT_CARD_BALANCE_RATE


def online_purchase_rate(group: str, request: HttpRequest) -> str:
    return settings.ONLINE_PURCHASE_RATE


def client_address(request: HttpRequest) -> str:
    """The address limits count against, as django-ratelimit's "ip" key sees it: an IPv6
    client is its /64 network (one household or phone can hold many addresses in it)."""
    address = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a key, not a bind)
    mask = 64 if ":" in address else 32
    return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)
