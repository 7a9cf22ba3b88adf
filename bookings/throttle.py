"""Rate limits on booking and manage-link endpoints, per client address.

Booking attempts and manage-link lookups are where a script could hammer the clinic (grab
every slot, guess references). Counts live in the shared cache (see settings.CACHES), so
every app server enforces the same limit. One place for pages and API alike; higher apps
(the waitlist's joins) name their own group and its `<GROUP>_RATE` setting.
"""

import ipaddress
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

BOOKING = "booking"
MANAGE_LINK = "manage-link"


def _rate(group: str) -> str:
    """A group's rate is the setting named after it: "manage-link" -> MANAGE_LINK_RATE."""
    return getattr(settings, f"{group.upper().replace('-', '_')}_RATE")


def client_address(request: HttpRequest) -> str:
    """The address limits count against, as django-ratelimit's "ip" key sees it: an IPv6
    client is its /64 network (one household or phone can hold many addresses in it)."""
    address = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a key, not a bind)
    mask = 64 if ":" in address else 32
    return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)


def over_limit(request: HttpRequest, group: str) -> bool:
    """Count this request against the group's limit; True when it is over."""
    return is_ratelimited(
        request, group=group, key="ip", rate=_rate(group), method=is_ratelimited.ALL, increment=True
    )


def throttled(group: str, *, methods: tuple[str, ...] = ("GET", "POST")) -> Callable:
    """Answer 429 with a friendly page when a client address goes over the group's limit."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods and over_limit(request, group):
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
