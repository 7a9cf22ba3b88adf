"""Phrases for clients that depend on the clinic's settings, built from them in one place, so
a clinic that changes the cut-off or the slot grid never tells clients the old rule."""

from django.conf import settings


def change_cutoff() -> str:
    """How long before the start clients may still move or cancel online ("24 hours")."""
    hours = settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS
    return f"{hours} hour{'s' if hours != 1 else ''}"


def grid_phrase() -> str:
    """When sessions may start ("on the quarter hour", "every 20 minutes")."""
    minutes = settings.BOOKING_SLOT_GRID_MINUTES
    named = {15: "on the quarter hour", 30: "on the half hour", 60: "on the hour"}
    return named.get(minutes, f"every {minutes} minutes")


def booking_rules(request=None) -> dict[str, str]:
    """Template context (pages and e-mails): `booking_change_cutoff`, `booking_grid`."""
    return {"booking_change_cutoff": change_cutoff(), "booking_grid": grid_phrase()}
