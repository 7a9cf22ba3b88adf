"""What a person's name may contain, checked at every door (pages, API, admin, waitlist).

A client's name is printed in the clinic's e-mails, the admin and the therapists' calendars.
A "name" with line breaks and a link ("Jane\\n\\nYour payment failed, pay at http://…")
would read as clinic text in a clinic-branded e-mail, so names are one line of printable
text: no control characters (line breaks, tabs, NUL…), no Unicode line or paragraph
separators, and no bidirectional overrides that reorder what the reader sees.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# English here (tests and the API docs quote it); `name_problem` gives it translated.
NAME_MESSAGE = gettext_noop(
    "Please write your name on one line, without line breaks or special characters."
)

# Unicode categories that are never part of a name: controls (Cc: \n, \r, \t, NUL, DEL...),
# line and paragraph separators (Zl, Zp).
_REFUSED_CATEGORIES = {"Cc", "Zl", "Zp"}
# Bidirectional embeddings, overrides and isolates (LRE...RLO, LRI...PDI): they make text
# display in another order than it is stored. Other format characters (ZWJ, ZWNJ) stay:
# several scripts need them inside names.
_BIDI_CONTROLS = {chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def name_problem(value: str) -> str | None:
    """The message to show when `value` cannot be a name, else None."""
    for character in value:
        if unicodedata.category(character) in _REFUSED_CATEGORIES or character in _BIDI_CONTROLS:
            return gettext(NAME_MESSAGE)
    return None


def validate_person_name(value: str) -> None:
    """The one validator of client names: model fields, ContactForm (pages, API, admin
    booking, waitlist join) and the booking service all use it."""
    if problem := name_problem(value):
        raise ValidationError(problem, code="invalid_name")
