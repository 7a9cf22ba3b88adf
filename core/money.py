"""How an amount of money is written for people: the one formatter of the project.

Babel (CLDR data) writes integer cents in the clinic's locale (`PAYMENTS_LOCALE`) and
currency (`PAYMENTS_CURRENCY`): "1.234,56 €" in es_ES with EUR, the dollar sign before
"1,234.56" in en_US with USD. No symbol or separator is written by hand anywhere: pages
use the `money` and `price` template filters (bookings/templatetags/money.py), code calls
`format_cents` (re-exported by `payments.money`).
"""

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings


def format_cents(amount: int, *, currency: str | None = None, locale: str | None = None) -> str:
    """Integer cents as money, in the clinic's locale and currency unless given. (Cents are
    hundredths of the unit: every currency the clinic may set has two decimals.)"""
    return format_currency(
        Decimal(int(amount)).scaleb(-2),
        (currency or settings.PAYMENTS_CURRENCY).upper(),
        locale=locale or settings.PAYMENTS_LOCALE,
    )


def format_price(price: Decimal) -> str:
    """A Decimal price in units (a service's 120.00), written as `format_cents` does."""
    return format_cents(int((Decimal(price) * 100).to_integral_value()))
