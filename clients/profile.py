"""The fuller client profile, and who sees which part of it.

Staff (front desk, clinic manager) see and keep the whole profile on the client's record:
date of birth, address, emergency contact, the name the client goes by and their pronouns,
staff-only alerts ("prefers a female therapist", "arrives early") and the two consents.
A therapist needs to greet the client and be warned, not to know where they live: the
therapist's pages get `for_therapist` (the name to use, the pronouns, the alerts), never
the record, so the address, the date of birth and the emergency contact cannot reach them
by a template's mistake.

The two consents are separate: service messages (confirmations, reminders, "has anything
changed?") and news (offers, newsletters). A booking needs no consent to news.
"""

from dataclasses import dataclass

from clients.models import Client

# Shown to staff only; never on a therapist's page.
STAFF_ONLY = (
    "date_of_birth",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
)
# What the therapist of a session sees besides the name.
FOR_THERAPIST = ("preferred_name", "pronouns", "staff_alerts")
CONSENTS = ("consent_service_messages", "consent_news")
PROFILE_FIELDS = (*STAFF_ONLY, *FOR_THERAPIST, *CONSENTS)


@dataclass(frozen=True)
class TherapistView:
    """The part of a client's record a therapist sees on their day and session pages."""

    name: str
    preferred_name: str
    pronouns: str
    alerts: list[str]

    @property
    def addressed_as(self) -> str:
        return self.preferred_name or self.name


def alert_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def for_therapist(client: Client) -> TherapistView:
    return TherapistView(
        name=client.name,
        preferred_name=client.preferred_name,
        pronouns=client.pronouns,
        alerts=alert_lines(client.staff_alerts),
    )


def profile_export(client: Client) -> dict:
    """The profile fields of one record, for the client's export."""
    return {
        "date_of_birth": client.date_of_birth.isoformat() if client.date_of_birth else None,
        "address": client.address,
        "emergency_contact_name": client.emergency_contact_name,
        "emergency_contact_phone": client.emergency_contact_phone,
        "preferred_name": client.preferred_name,
        "pronouns": client.pronouns,
        "staff_alerts": client.staff_alerts,
        "consent_service_messages": client.consent_service_messages,
        "consent_news": client.consent_news,
    }


def profile_erased() -> dict:
    """What an erased record keeps of the profile: nothing (consents off)."""
    return {
        "date_of_birth": None,
        "address": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "preferred_name": "",
        "pronouns": "",
        "staff_alerts": "",
        "consent_service_messages": False,
        "consent_news": False,
    }
