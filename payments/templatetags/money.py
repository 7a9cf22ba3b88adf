"""`{{ cents|money }}`: integer cents shown as $1,234.50."""

from django import template

from payments.money import format_cents

register = template.Library()


@register.filter
def money(value) -> str:
    try:
        return format_cents(int(value))
    except (TypeError, ValueError):
        return ""
