"""A client's choice of texts or e-mail only, with the wording they were shown and when.

The number is kept in E.164 (`core.phones`, the clinic's region filling in a missing
country code); a number that cannot be read is kept as typed and flagged for staff.
"""

import datetime as dt
from typing import Any

from clients.models import Client
from core import phones
from texts.models import ClientTexts

UNREADABLE = "Not a valid phone number for the clinic's region; kept as typed."
NOT_MOBILE = "Not a mobile number: texts cannot be sent to it."


def number_problem(typed: str) -> tuple[str, str]:
    """(E.164, problem): the number to text and, when it cannot be, why."""
    number = phones.e164(typed)
    if not number:
        return "", UNREADABLE
    return number, "" if phones.can_receive_texts(typed) else NOT_MOBILE


def consent_record(client: Client, details: Any, *, now: dt.datetime) -> ClientTexts:
    """Keep the latest choice (a later booking's choice replaces an earlier one)."""
    number, problem = number_problem(details.phone)
    wants = bool(getattr(details, "texts", False))
    state, _ = ClientTexts.objects.update_or_create(
        client=client,
        defaults={
            "number": number,
            "typed": details.phone[:40],
            "problem": problem,
            "wants_texts": wants,
            "consent_wording": getattr(details, "texts_wording", "") if wants else "",
            "consent_at": now,
        },
    )
    return state
