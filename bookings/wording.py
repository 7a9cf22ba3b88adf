"""Phrases for clients that depend on the clinic's settings, built from them in one place, so
a clinic that changes the cut-off (clinic settings, `policy.rules`) or the slot grid never
tells clients the old rule.

Written in the active language (the page's, or the client's when an e-mail is built)."""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from policy import rules


def change_cutoff() -> str:
    """How long before the start clients may still move or cancel online ("24 hours")."""
    hours = rules.client_change_cutoff_hours()
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
    """Template context (pages and e-mails): `booking_change_cutoff`, `booking_grid`. The
    cut-off is read from the clinic settings only where a page shows it."""
    return {"booking_change_cutoff": lazy(change_cutoff, str)(), "booking_grid": grid_phrase()}
