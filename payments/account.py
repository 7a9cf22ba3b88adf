"""The payments section of the client's /account/ page: their packages and gift cards,
balances and the code's last four characters only (registered with core.account_sections)."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from payments import online_sales


def balances_section(request, record) -> SafeString | None:
    held = online_sales.balances(record)
    if not held["packages"] and not held["gift_cards"]:
        return None
    return SafeString(render_to_string("payments/_account_balances.html", held, request=request))
