"""The languages clients are served in (settings.LANGUAGES: English and Spanish).

A booking, a waitlist entry and an e-mail record the client's language so that mail sent
later (a reminder the worker writes a day ahead, a waitlist offer) reads like the pages the
client used. One helper turns whatever came in ("es-US" from a browser, "" from a staff
booking) into one of the clinic's codes.
"""

from django.conf import settings
from django.utils import translation


def client_language(code: str | None = "") -> str:
    """The clinic language for `code` ("es-us" -> "es"); the clinic's default when `code` is
    empty or not a language the clinic writes in."""
    default = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    if not code:
        return default
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return default


def current_language() -> str:
    """The active language (the request's, inside a view) as a clinic code."""
    return client_language(translation.get_language())
