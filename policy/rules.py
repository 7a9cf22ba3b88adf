"""The clinic's rules as they stand now: the saved clinic settings, else the environment.

Every reader (the manage page, the booking services, e-mails, payments, reports) asks here,
so a manager's change takes effect on the next request in every process.
"""

from django.conf import settings

from policy.models import ClinicPolicy


def client_change_cutoff_hours() -> int:
    """How many hours before a session clients may still cancel or move it online."""
    saved = ClinicPolicy.objects.filter(pk=1).values_list("client_change_cutoff_hours", flat=True)
    hours = saved.first()
    return settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS if hours is None else hours


def defaults() -> dict[str, int]:
    """The environment's values, which the settings page starts from."""
    return {"client_change_cutoff_hours": settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS}
