"""Reading the texts settings from the environment, for `ashiatsu_clinic/settings.py`.

Plain Python (no models, no Django apps): the settings module calls it while it loads. A
configuration mistake raises ImproperlyConfigured with one sentence, which start-up prints
as one line (`ashiatsu_clinic.startup`).
"""

import phonenumbers
from django.core.exceptions import ImproperlyConfigured

TWILIO_API = "https://api.twilio.com"


def twilio(env) -> tuple[str, str, str, str, bool]:
    """(account SID, auth token, sender, API base, texts enabled). All three credentials or
    none: some but not all refuse start-up."""
    sid = env.str("TWILIO_ACCOUNT_SID", default="")
    token = env.str("TWILIO_AUTH_TOKEN", default="")
    sender = env.str("TWILIO_FROM", default="")  # +15551234567, or a Messaging Service MG...
    base = env.str("TWILIO_API_BASE", default=TWILIO_API).rstrip("/")
    given = [bool(sid), bool(token), bool(sender)]
    if any(given) and not all(given):
        raise ImproperlyConfigured(
            "Texts need all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or none "
            "(see docs/texts.md)."
        )
    return sid, token, sender, base, all(given)


def phone_region(env) -> str:
    region = env.str("CLINIC_PHONE_REGION", default="US").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ImproperlyConfigured(
            f"CLINIC_PHONE_REGION {region!r} is not a region code such as US or ES."
        )
    return region


def settings(env) -> dict:
    """Every texts setting, by name (docs/texts.md has the table)."""
    sid, token, sender, base, enabled = twilio(env)
    return {
        "TWILIO_ACCOUNT_SID": sid,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_FROM": sender,
        "TWILIO_API_BASE": base,  # tests: a Twilio-compatible server on 127.0.0.1
        "TEXTS_ENABLED": enabled,
        "CLINIC_PHONE_REGION": phone_region(env),  # fills in a missing country code
        # No unprompted text (reminder, offer) in these clinic hours; they wait.
        "TEXTS_QUIET_FROM_HOUR": env.int("TEXTS_QUIET_FROM_HOUR", default=21),
        "TEXTS_QUIET_UNTIL_HOUR": env.int("TEXTS_QUIET_UNTIL_HOUR", default=8),
        # Reminder lead times in hours: a service's default, and the optional second one.
        "TEXTS_REMINDER_HOURS": env.int("TEXTS_REMINDER_HOURS", default=24),
        "TEXTS_SECOND_REMINDER_HOURS": env.int("TEXTS_SECOND_REMINDER_HOURS", default=2),
    }
