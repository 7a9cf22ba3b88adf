"""A booking's bill as it stands, read from the database: the service's price, the code
used on it, its sales tax, the tip the desk entered, and what the ledger says was paid.
The arithmetic is `checkout.bill`'s; the words are translated in the active language (the
desk's page, or the client's e-mail)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from bookings.models import Appointment
from checkout.bill import Applied, Bill, bill_compute, discount_cents
from checkout.models import Checkout, PromoRedemption, ServiceTax
from payments.models import LedgerKind, Method, PaymentKind
from payments.money import cents


def price_cents(appointment: Appointment) -> int:
    return cents(appointment.service.price)


def _applied(appointment: Appointment, *, before_tip: int) -> list[Applied]:
    """What has been paid towards the bill, read from the ledger (refunds count negative).
    A package session pays for the whole session, its tax included; the tip stays owed."""
    applied = []
    rows = (
        appointment.ledger.exclude(kind=LedgerKind.FEE)
        .select_related("payment")
        .order_by("at", "id")
    )
    for row in rows:
        if row.kind == LedgerKind.PACKAGE_REDEMPTION:
            applied.append(Applied(_("Package session"), before_tip))
            continue
        if row.kind == LedgerKind.REFUND and row.package_id:
            applied.append(Applied(_("Package session returned"), -before_tip))
            continue
        method = Method(row.method).label
        if row.kind == LedgerKind.REFUND:
            label = _("Refund (%(method)s)") % {"method": method}
        elif row.payment_id:
            label = f"{PaymentKind(row.payment.kind).label} · {method}"
        else:
            label = method
        applied.append(Applied(str(label), row.amount_cents))
    return applied


def bill_for(appointment: Appointment) -> Bill:
    """The bill as it stands: service, code, tax, tip and what is paid."""
    price = price_cents(appointment)
    redemption = PromoRedemption.objects.filter(appointment=appointment).first()
    discount = ("", 0)
    if redemption:
        promo = redemption.promo
        discount = (
            _("Code %(code)s") % {"code": promo.code},
            discount_cents(price_cents=price, kind=promo.kind, value=promo.value),
        )
    tax = ServiceTax.objects.filter(service_id=appointment.service_id).first()
    rate = tax.rate_percent if tax else Decimal(0)
    included = bool(tax and tax.included_in_price)
    checkout = Checkout.objects.filter(appointment=appointment).first()
    tip = checkout.tip_cents if checkout else 0
    labels = {"tax": _("Sales tax"), "tax_included": _("Sales tax included"), "tip": _("Tip")}
    common = {
        "service_label": appointment.service.name,
        "price_cents": price,
        "discount": discount,
        "tax_rate": rate,
        "tax_included": included,
        "labels": labels,
    }
    before_tip = bill_compute(**common).total_cents
    return bill_compute(
        **common, tip_cents=tip, applied=_applied(appointment, before_tip=before_tip)
    )
