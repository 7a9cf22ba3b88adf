"""The private link of the "has anything changed?" e-mail (issue #13): issued, then found.

A random token (core/tokens.py), of which only the hash is kept in a `ReconfirmationLink`
row; the token itself travels sealed in the outbox row until the e-mail is sent. The link
belongs to one session and works until that session starts (`reconfirmation.py` says what
it may do). Kept apart from `reconfirmation.py` so the reminder sweep can issue links
without importing the booking services (which import the reminders).
"""

from django.db import transaction

from bookings import notifications
from bookings.models import Appointment
from core import tokens
from health.models import ReconfirmationLink


@transaction.atomic
def reconfirmation_link_issue(*, appointment: Appointment) -> str:
    """A fresh link for `appointment` and the e-mail that carries it (queued in the caller's
    transaction, so the e-mail exists exactly when the link does). Returns the token."""
    token = tokens.token_new()
    ReconfirmationLink.objects.create(appointment=appointment, token_hash=tokens.token_hash(token))
    notifications.queue_reconfirm_email(appointment, token=token)
    return token


def reconfirmation_link_find(token: str) -> ReconfirmationLink | None:
    """The link whose token this is, with its session; None for a wrong token (the token is
    256 random bits, so looking a row up by its hash leaks nothing)."""
    if not token or len(token) > 100:
        return None
    return (
        ReconfirmationLink.objects.select_related(
            "appointment__client",
            "appointment__intake",
            "appointment__service__style",
            "appointment__therapist",
        )
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )
