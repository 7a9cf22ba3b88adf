"""Phone numbers: written the way the clinic's region writes them, stored in E.164.

A client types "(212) 555-0142" or "+34 612 34 56 78"; texts need "+12125550142". The
clinic's region (`CLINIC_PHONE_REGION`, default US) fills in a missing country code. Whether a
number can receive texts is decided here once: a valid number of a mobile kind (in the US and
Canada every valid number may be a mobile, so `FIXED_LINE_OR_MOBILE` counts).
"""

import phonenumbers
from django.conf import settings
from phonenumbers import PhoneNumberType

TEXTABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PERSONAL_NUMBER,
}


def region() -> str:
    return getattr(settings, "CLINIC_PHONE_REGION", "US") or "US"


def e164(typed: str) -> str:
    """The number in E.164 (+country, digits), or "" when it is not a valid number."""
    try:
        number = phonenumbers.parse((typed or "").strip(), region())
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_receive_texts(typed: str) -> bool:
    """Whether texts sent to this number can arrive (valid, and of a mobile kind)."""
    normalised = e164(typed)
    if not normalised:
        return False
    return phonenumbers.number_type(phonenumbers.parse(normalised)) in TEXTABLE
