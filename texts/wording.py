"""What each text says: short, clinic name first, the local time, a short link.

A text of up to 160 GSM-7 characters is one segment (one charge, one message on the phone);
a single character outside GSM-7 (á, í, ó, ú, emoji) turns the whole text into UCS-2, where
one segment holds only 70. So the Spanish texts fold the accents GSM-7 lacks ("sesión" ->
"sesion"; é, ñ, ¿ and ¡ are GSM-7 and stay), and `segments()` counts what a text costs.
"""

import datetime as dt
import math
import unicodedata

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from policy.rules import client_change_cutoff_hours
from therapists.clinic_time import clock

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two septets each


def gsm7(text: str) -> bool:
    return all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text)


def segments(text: str) -> int:
    """How many SMS segments `text` takes: 160/153 septets in GSM-7, 70/67 UTF-16 units."""
    if gsm7(text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if length <= single else math.ceil(length / multi)


def fold(text: str) -> str:
    """Replace each character GSM-7 lacks by its unaccented letter, when that is GSM-7."""
    out = []
    for ch in text:
        if ch in GSM7 or ch in GSM7_EXTENDED:
            out.append(ch)
            continue
        bare = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(bare if bare and gsm7(bare) else ch)
    return "".join(out)


def when(moment: dt.datetime) -> str:
    """ "Tue Dec 8, 10:00 AM" in the active language; the zone when the hour is ambiguous."""
    local = timezone.localtime(moment)
    day = date_format(local, pgettext("short day in a text", "D M j"))
    return f"{day}, {clock(local)}"


def body(kind: str, *, start: dt.datetime | None = None, link: str = "", note: str = "") -> str:
    """The text of `kind` in the active language (the caller overrides it to the client's)."""
    clinic = settings.CLINIC_NAME
    moment = when(start) if start else ""
    texts = {
        "confirmed": _("{clinic}: you're booked for {when}. Manage: {link}"),
        "reminder": _(
            "{clinic}: reminder, your session is {when}. Reply C to confirm, X to cancel. {link}"
        ),
        "cancelled": _("{clinic}: your session {when} is cancelled. Book again: {link}"),
        "deposit": _("{clinic}: your time {when} is held. Pay the deposit to confirm: {link}"),
        "reconfirm": _("{clinic}: has anything changed before your session {when}? {link}"),
        "offer": _("{clinic}: a time opened up, {when}. Take it: {link}"),
        "link": _("{clinic}: manage your session {when}: {link}"),
        "attending": _("{clinic}: thank you, see you {when}."),
        "cancel_done": _("{clinic}: cancelled your session {when}. Book again: {link}"),
        "cancel_late": _(
            "{clinic}: it's past the {hours} h cut-off to cancel {when} by text. "
            "Please call {phone}."
        ),
        "no_booking": _("{clinic}: we found no upcoming session for this number. Call {phone}."),
        "stopped": _("{clinic}: you will get no more texts. Reply START to resume."),
        "started": _("{clinic}: texts are back on. Reply STOP to stop."),
        "desk": "{clinic}: {note}",
    }
    text = texts[kind].format(
        clinic=clinic,
        when=moment,
        link=link,
        note=note,
        phone=settings.CLINIC_PHONE,
        hours=client_change_cutoff_hours(),
    )
    return fold(" ".join(text.split()))
