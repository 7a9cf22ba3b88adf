"""`{{ cents|money }}`: integer cents written by `payments.money.format_cents` (Babel)."""

from django import template

from payments.money import format_cents

register = template.Library()


@register.filter
def money(value) -> str:
    try:
        return format_cents(int(value))
    except (TypeError, ValueError):
        return ""
