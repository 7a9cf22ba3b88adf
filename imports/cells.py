"""One cell at a time: text that cannot be a spreadsheet formula, an e-mail address, a
phone number in E.164, a date, a time, a count, an amount. A cell that is none of what it
should be refuses its row with the reason (`RowRefused`), never the whole file.

A cell that would run as a formula (=, +, -, @ first: `core.csv_cells`) refuses its row:
a name such as `=HYPERLINK(...)` is no one's name, and the clinic's own exports would
otherwise have to carry it. A phone number may start with "+"; it is read as a number.
"""

import datetime as dt

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export.widgets import DateWidget, IntegerWidget

from clients.validators import name_problem
from core.amounts import AmountError, parse_amount
from core.csv_cells import safe_cell

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%b %d, %Y", "%B %d, %Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p")


class _DateCell(DateWidget):
    """django-import-export's date widget, reading the formats exports use."""

    def __init__(self):
        super().__init__()
        self.formats = DATE_FORMATS


class RowRefused(ValueError):
    """This row cannot be imported; the message says why (shown and in the report)."""


def phone_region() -> str:
    """The region a phone number without a +country prefix belongs to (`CLINIC_PHONE_REGION`)."""
    return getattr(settings, "CLINIC_PHONE_REGION", "US") or "US"


def text(value: str, column: str, *, limit: int = 200) -> str:
    value = value.strip()
    if safe_cell(value) != value:
        raise RowRefused(f"{column}: the cell is a spreadsheet formula ({value[:30]!r}).")
    if len(value) > limit:
        raise RowRefused(f"{column}: longer than {limit} characters.")
    return value


def person_name(value: str, column: str = "name") -> str:
    value = text(value, column)
    if not value:
        raise RowRefused(f"{column}: empty.")
    if problem := name_problem(value):
        raise RowRefused(f"{column}: {problem}")
    return value


def email(value: str, column: str = "email") -> str:
    value = text(value, column, limit=254)
    try:
        validate_email(value)
    except ValidationError:
        raise RowRefused(f"{column}: {value!r} is not an e-mail address.") from None
    return value


def phone(value: str, column: str = "phone") -> str:
    """E.164 ("+15555550123"), or "" for an empty cell."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, phone_region())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise RowRefused(f"{column}: {value[:40]!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_none(value: str) -> str | None:
    """The E.164 form of a number already on file (typed anyhow), or None."""
    try:
        return phone(value) or None
    except RowRefused:
        return None


def date(value: str, column: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return _DateCell().clean(value)
    except ValueError:
        raise RowRefused(f"{column}: {value[:30]!r} is not a date (write 2026-12-31).") from None


def time(value: str, column: str) -> dt.time:
    value = value.strip().upper()
    for pattern in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).time()  # noqa: DTZ007 (a wall time)
        except ValueError:
            continue
    raise RowRefused(f"{column}: {value[:30]!r} is not a time (write 14:30).")


def count(value: str, column: str) -> int:
    try:
        number = IntegerWidget().clean(value.strip())
    except (ValueError, ArithmeticError):
        number = None
    if number is None or number < 0 or number > 1000:
        raise RowRefused(f"{column}: {value[:30]!r} is not a number of sessions.")
    return int(number)


def cents(value: str, column: str) -> int:
    try:
        return parse_amount(value, allow_zero=True)
    except AmountError as error:
        raise RowRefused(f"{column}: {error.message}") from None
