"""Money as a person types it: the one strict reading of an amount, for every form.

A desk entry is money leaving or entering the drawer, so an amount is read only when it can
mean one thing: digits, optionally a dot and one or two digits of cents, optionally a
leading "$". Everything else is refused with a message that says what to type, never
guessed at:

- "12,50" is twelve dollars fifty in much of the world and 1,250 in the US: refused, as is
  every comma ("1,250.00" too), rather than read either way.
- "1e3", "1_000", "Infinity", "١٢" (non-ASCII digits) are numbers to Python's `Decimal`
  but not amounts anyone types at a desk: refused.
- "12.505" has a fraction of a cent: refused, not rounded.

Amounts come back as integer cents (money is integer cents throughout); `price_decimal` for
the one model that keeps a Decimal price (`bookings.Service.price`).
"""

import re
from decimal import Decimal

from django import forms

MAX_CENTS = 100_000_00  # $100,000.00: no desk sale, fee or price is larger

AMOUNT = re.compile(r"\$?(?P<units>[0-9]{1,9})?(?:\.(?P<cents>[0-9]{1,2}))?")

HOW_TO_TYPE = "Enter an amount in dollars and cents, such as 45 or 45.50."
NO_COMMAS = (
    "Type the amount without commas, with a dot before the cents: 12.50 for twelve "
    "dollars fifty, 1250 for one thousand two hundred fifty."
)
TOO_PRECISE = "Give at most two decimals (cents), such as 45.50."
NOT_ZERO = "Enter an amount above zero."
TOO_LARGE = "Enter at most $100,000.00."


class AmountError(ValueError):
    """The text is not an amount; `message` says what to type instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_amount(text: str, *, allow_zero: bool = False) -> int:
    """'45', '45.5', '$45.50', '.50' → cents; AmountError (with what to type) otherwise."""
    cleaned = (text or "").strip()
    if "," in cleaned:
        raise AmountError(NO_COMMAS)
    match = AMOUNT.fullmatch(cleaned)
    if match is None or not (match["units"] or match["cents"]):
        if re.fullmatch(r"\$?[0-9]*\.[0-9]{3,}", cleaned):
            raise AmountError(TOO_PRECISE)
        raise AmountError(HOW_TO_TYPE)
    amount = int(match["units"] or 0) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if amount == 0 and not allow_zero:
        raise AmountError(NOT_ZERO)
    if amount > MAX_CENTS:
        raise AmountError(TOO_LARGE)
    return amount


def format_amount(cents: int) -> str:
    """Cents as the form shows them back: 1250 → "12.50" (what `parse_amount` reads)."""
    return f"{cents // 100}.{cents % 100:02d}"


def price_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100


class AmountField(forms.CharField):
    """A form field for money in dollars, cleaned to integer cents by `parse_amount`.
    `allow_zero` for amounts where nothing is a real answer (a fee the clinic does not
    charge)."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("max_length", 20)
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_amount(value) if isinstance(value, int) else value

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except AmountError as error:
            raise forms.ValidationError(error.message, code="amount") from None


class PriceField(AmountField):
    """`AmountField` for a Decimal price column (a service's price): the same reading,
    the value a `DecimalField` expects."""

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_amount(int(value * 100))
        return super().prepare_value(value)

    def clean(self, value):
        cents = super().clean(value)
        return None if cents is None else price_decimal(cents)
