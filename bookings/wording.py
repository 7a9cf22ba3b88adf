"""Phrases for clients that depend on the clinic's settings, built from them in one place, so
a clinic that changes the cut-off or the slot grid never tells clients the old rule.

Written in the active language (the page's, or the client's when an e-mail is built)."""

from django.conf import settings
from django.utils.translation import gettext, ngettext


def change_cutoff() -> str:
    """How long before the start clients may still move or cancel online ("24 hours")."""
    hours = settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS
    return ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours}


def grid_phrase() -> str:
    """When sessions may start ("on the quarter hour", "every 20 minutes")."""
    minutes = settings.BOOKING_SLOT_GRID_MINUTES
    named = {
        15: gettext("on the quarter hour"),
        30: gettext("on the half hour"),
        60: gettext("on the hour"),
    }
    return named.get(minutes) or gettext("every %(minutes)d minutes") % {"minutes": minutes}


def booking_rules(request=None) -> dict[str, str]:
    """Template context (pages and e-mails): `booking_change_cutoff`, `booking_grid`."""
    return {"booking_change_cutoff": change_cutoff(), "booking_grid": grid_phrase()}
