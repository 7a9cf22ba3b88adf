"""Gift cards and packages bought online, paid by card through Stripe.

The same pattern as a deposit (`payments.services`): the pending `Payment` and the gift
card or package it buys are written and committed before Stripe is called; the card or
package has no code, so nothing can spend it, until `services.payment_succeeded` (the page
or the webhook, whichever comes first) activates it. Amounts and dates are checked here,
whatever the form let through.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from payments import gateway, services
from payments.ledger import PaymentError
from payments.models import GiftCard, Method, Package, PackagePlan, Payment, PaymentKind
from payments.money import format_cents


def gift_card_amount_check(amount_cents: int) -> None:
    low, high = settings.GIFT_CARD_MIN_CENTS, settings.GIFT_CARD_MAX_CENTS
    if not isinstance(amount_cents, int) or not low <= amount_cents <= high:
        raise PaymentError(
            _("A gift card is worth from %(low)s to %(high)s.")
            % {"low": format_cents(low), "high": format_cents(high)}
        )


def delivery_day_check(day: dt.date | None) -> None:
    """Today (sent at once) up to `GIFT_CARD_MAX_DELIVERY_DAYS` ahead, in clinic days."""
    if day is None:
        return
    today = timezone.localdate()
    if day < today:
        raise PaymentError(_("Choose today or a later day for the gift card to arrive."))
    if day > today + dt.timedelta(days=settings.GIFT_CARD_MAX_DELIVERY_DAYS):
        raise PaymentError(
            _("Choose a day within %(days)s days.") % {"days": settings.GIFT_CARD_MAX_DELIVERY_DAYS}
        )


def _charge(payment: Payment, payment_method: str, what: str) -> Payment:
    """Charge the committed pending payment; activation follows its success."""
    try:
        intent = gateway.charge(
            amount_cents=payment.amount_cents,
            payment_method=payment_method,
            customer=None,
            metadata={"payment": str(payment.pk), "bought": what},
            idempotency_key=f"ashiatsu-payment-{payment.pk}",
        )
    except (gateway.PaymentDeclined, gateway.GatewayUnavailable) as error:
        services._fail(payment, error.message)
        raise PaymentError(error.message) from error
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent.id)
    if intent.status == "succeeded":
        services.payment_succeeded(payment_intent=intent.id)
    payment.refresh_from_db()
    payment.next_action_secret = intent.client_secret if intent.status == "requires_action" else ""
    return payment


def gift_card_buy(
    *,
    amount_cents: int,
    purchaser_name: str,
    purchaser_email: str,
    recipient_name: str,
    recipient_email: str,
    message: str,
    deliver_on: dt.date | None,
    payment_method: str,
) -> Payment:
    """Buy a gift card by card: for the buyer, or for someone else (their address and the
    day the code reaches them, at the delivery hour clinic time; today or no day: now). The
    buyer gets a receipt; the code goes only to the one it is for."""
    if not settings.PAYMENTS_ENABLED:
        raise PaymentError(_("Gift cards are sold at the clinic's desk."))
    gift_card_amount_check(amount_cents)
    delivery_day_check(deliver_on)
    if deliver_on == timezone.localdate():
        deliver_on = None  # today: at once, not this morning already gone
    if not payment_method:
        raise PaymentError(_("Please enter your card details."))
    with transaction.atomic():
        payment = services._pending_payment(
            kind=PaymentKind.GIFT_CARD_SALE,
            method=Method.STRIPE,
            amount_cents=amount_cents,
            payer_name=purchaser_name[:200],
            payer_email=purchaser_email,
            note="Gift card bought online",
        )
        GiftCard.objects.create(
            payment=payment,
            initial_cents=amount_cents,
            balance_cents=amount_cents,
            purchaser_name=purchaser_name[:200],
            purchaser_email=purchaser_email,
            recipient_name=recipient_name[:200],
            recipient_email=""
            if recipient_email.lower() == purchaser_email.lower()
            else recipient_email,
            message=message[:500],
            deliver_on=deliver_on,
        )
    return _charge(payment, payment_method, "gift card")


def plans_for_sale():
    return PackagePlan.objects.filter(active=True, sold_online=True).select_related("style")


def package_buy(*, plan_id: int, client: Client, payment_method: str) -> Payment:
    """A signed-in client buys a package plan for their own record; its sessions are
    offered when they book a service of its style online."""
    if not settings.PAYMENTS_ENABLED:
        raise PaymentError(_("Packages are sold at the clinic's desk."))
    plan = plans_for_sale().filter(pk=plan_id).first()
    if plan is None:
        raise PaymentError(_("This package is not on sale."))
    if not payment_method:
        raise PaymentError(_("Please enter your card details."))
    with transaction.atomic():
        payment = services._pending_payment(
            kind=PaymentKind.PACKAGE_SALE,
            method=Method.STRIPE,
            amount_cents=plan.price_cents,
            payer_name=client.name,
            payer_email=client.email,
            note=plan.name,
        )
        Package.objects.create(
            plan=plan,
            payment=payment,
            client=client,
            client_name=client.name,
            client_email=client.email,
            sessions_total=plan.sessions,
            sessions_left=plan.sessions,
            price_cents=plan.price_cents,
        )
    return _charge(payment, payment_method, "package")


def balances(client: Client) -> dict:
    """What a signed-in client holds: their packages and the gift cards that reached their
    address (sent to it, or bought with it for themselves; a card bought for a friend is the
    friend's, and one not delivered yet is still a surprise). Balances and the last four
    characters only: codes are never shown."""
    now = timezone.now()
    packages = Package.objects.filter(client=client, code_hash__isnull=False)
    email = client.email.strip()
    cards = GiftCard.objects.filter(code_hash__isnull=False).filter(
        Q(recipient_email__iexact=email) | Q(recipient_email="", purchaser_email__iexact=email),
        Q(deliver_on=None) | Q(deliver_on__lte=timezone.localdate()),
    )
    return {
        "packages": [
            (package, package.usable_at(now))
            for package in packages.select_related("plan__style").order_by("-sold_at")
        ],
        "gift_cards": [
            (card, card.expires_at is None or now < card.expires_at)
            for card in cards.order_by("-issued_at")
        ],
    }
