"""`{{ cents|money }}` and `{{ service.price|price }}`: amounts written by
`core.money` (Babel, the clinic's locale and currency), on every page and e-mail."""

from decimal import Decimal, InvalidOperation

from django import template

from core.money import format_cents, format_price

register = template.Library()


@register.filter
def money(value) -> str:
    try:
        return format_cents(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def price(value) -> str:
    try:
        return format_price(Decimal(value))
    except (TypeError, ValueError, InvalidOperation):
        return ""
