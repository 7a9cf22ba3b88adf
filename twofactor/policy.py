"""Who must pass a second factor, and which pages a half-signed-in session may still open.

Every Django login of the clinic (therapists, front desk, managers, superusers) can read
health data or money: clients have no Django user (they sign in with e-mailed links). So
with `settings.STAFF_REQUIRE_2FA` on, every authenticated user must be verified by a
django-otp device before any page but the few in `EXEMPT` opens. The list is of what a
session needs to finish signing in (or to give up), nothing else: a new view is protected
the day it is added, and `tests/twofactor/test_protected_urls.py` walks the URL conf to
prove it.
"""

from django.conf import settings
from django.urls import ResolverMatch

from bookings.roles import CLINIC_MANAGER

# Whole URL namespaces a half-signed-in session may open.
EXEMPT_NAMESPACES = frozenset(
    {
        # The enrol / verify / recovery-code pages themselves (not the manager's reset page,
        # which lives in the admin).
        "twofactor",
        # The passkey ceremonies: registration refuses a second device to an unverified user
        # who already has one (django-otp-webauthn's own check), authentication is the
        # verify step; plus their script's translation catalogue.
        "otp_webauthn",
    }
)
# Single views (namespace:name) a half-signed-in session may open: signing in again as
# someone else, signing out, and the language switcher.
EXEMPT_VIEWS = frozenset(
    {
        "therapists:login",
        "therapists:logout",
        "admin:login",
        "admin:logout",
        "set_language",
    }
)


def required() -> bool:
    """Is the second factor enforced (production), or off (DEBUG and the test default)?"""
    return bool(settings.STAFF_REQUIRE_2FA)


def must_verify(user) -> bool:
    """True when this user's session must still pass its second factor."""
    return required() and user.is_authenticated and not user.is_verified()


def is_exempt(match: ResolverMatch) -> bool:
    """May a session that has not passed its second factor open this view?"""
    if set(match.namespaces) & EXEMPT_NAMESPACES:
        return True
    return match.view_name in EXEMPT_VIEWS


def may_reset_devices(user) -> bool:
    """Only clinic managers (and superusers) reset a colleague's lost device: a reset lets
    whoever holds the password enrol a new device, so it must not be a front-desk click."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=CLINIC_MANAGER).exists()


def may_reset_devices_of(user, target) -> bool:
    """A manager resets anyone but a superuser; only a superuser resets a superuser (a reset
    lets the password alone enrol: it must never reach above the one who asks)."""
    return may_reset_devices(user) and (user.is_superuser or not target.is_superuser)
