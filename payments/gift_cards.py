"""Gift cards: sold at the desk, spent in part or whole (on deposits too), and credited
back when a payment they made is refunded. Only a hash of each code is kept.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment
from core.clock import local_midnight
from outbox.render import render_message
from outbox.services import email_queue
from payments import receipts
from payments.ledger import PaymentError, _ledger, desk_payment_record
from payments.models import (
    GiftCard,
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    PaymentKind,
)
from payments.money import code_hint, format_cents, hash_code, new_code


def gift_card_issue(
    *, amount_cents: int, recipient_name: str, purchaser_email: str, method: str, actor
) -> tuple[GiftCard, str]:
    """Sell a gift card at the desk; the code is returned once and e-mailed to the buyer."""
    code = new_code("GIFT")
    with transaction.atomic():
        payment = desk_payment_record(
            amount_cents=amount_cents,
            method=method,
            actor=actor,
            payer_name=recipient_name,
            payer_email=purchaser_email,
            note="Gift card",
            kind=PaymentKind.GIFT_CARD_SALE,
        )
        card = GiftCard.objects.create(
            code_hash=hash_code(code),
            code_hint=code_hint(code),
            initial_cents=amount_cents,
            balance_cents=amount_cents,
            recipient_name=recipient_name,
            purchaser_email=purchaser_email,
            expires_at=gift_card_expiry(timezone.now()),
        )
        LedgerEntry.objects.filter(payment=payment).update(gift_card=card)
        receipts.queue_receipt(payment, code=code)
    return card, code


GIFT_CARD_EMAIL = "gift_card"


def gift_card_expiry(issued_at: dt.datetime) -> dt.datetime | None:
    """The end of a gift card's validity: `GIFT_CARD_VALID_YEARS` after its issue (never
    less than the law's minimum, US federal law: 5 years), or None for no expiry."""
    years = settings.GIFT_CARD_VALID_YEARS
    if not years:
        return None
    day = timezone.localdate(issued_at)
    try:
        last = day.replace(year=day.year + years)
    except ValueError:  # issued on 29 February
        last = day.replace(year=day.year + years, day=28)
    return local_midnight(last + dt.timedelta(days=1))


def delivery_moment(day: dt.date | None) -> dt.datetime | None:
    """When a gift card chosen for `day` reaches its recipient: that morning, at
    `GIFT_CARD_DELIVERY_HOUR` clinic time (None: now)."""
    if day is None:
        return None
    return local_midnight(day) + dt.timedelta(hours=settings.GIFT_CARD_DELIVERY_HOUR)


def gift_card_activate(payment) -> GiftCard | None:
    """The card payment of a gift card bought online succeeded (inside its transaction):
    give the card its code and validity, and queue the e-mail that carries the code to the
    recipient (or to the buyer, for themselves) on the chosen morning. The code exists only
    in that e-mail's sealed secret until it is sent."""
    card = GiftCard.objects.select_for_update().filter(payment=payment, code_hash=None).first()
    if card is None:
        return None
    code = new_code("GIFT")
    card.code_hash = hash_code(code)
    card.code_hint = code_hint(code)
    card.issued_at = timezone.now()
    card.expires_at = gift_card_expiry(card.issued_at)
    card.save(update_fields=["code_hash", "code_hint", "issued_at", "expires_at"])
    LedgerEntry.objects.filter(payment=payment).update(gift_card=card)
    email_queue(
        kind=GIFT_CARD_EMAIL,
        builder=gift_card_email,
        params={"gift_card": card.pk},
        secret=code,
        send_at=delivery_moment(card.deliver_on),
    )
    return card


def gift_card_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives:
    card = GiftCard.objects.get(pk=params["gift_card"])
    to = card.recipient_email or card.purchaser_email
    context = {
        "card": card,
        "code": secret,
        "for_someone_else": bool(card.recipient_email),
        "amount_cents": card.initial_cents,
        "expires_on": card.last_day,
    }
    subject = _("A gift card for %(clinic)s") % {"clinic": settings.CLINIC_NAME}
    return render_message(GIFT_CARD_EMAIL, context, subject=subject, to=[to])


def _spendable(card: GiftCard | None) -> GiftCard | None:
    if card is None or (card.expires_at and timezone.now() >= card.expires_at):
        return None
    return card


def gift_card_balance(code: str) -> int | None:
    card = GiftCard.objects.filter(code_hash=hash_code(code)).first()
    return card.balance_cents if _spendable(card) else None


def gift_card_redeem(
    *, code: str, amount_cents: int, appointment: Appointment | None = None, actor=None
) -> int:
    """Spend up to `amount_cents` of a gift card (partial redemption: what the balance
    allows). The row lock serialises concurrent spends; the CHECK constraint is the last
    guard against a negative balance. Returns the cents taken."""
    if amount_cents <= 0:
        raise PaymentError(_("Enter an amount above zero."))
    with transaction.atomic():
        card = GiftCard.objects.select_for_update().filter(code_hash=hash_code(code)).first()
        if card is None:
            raise PaymentError(_("No gift card matches this code."))
        if _spendable(card) is None:
            raise PaymentError(_("This gift card has expired."))
        if card.balance_cents <= 0:
            raise PaymentError(_("This gift card has been used up."))
        taken = min(card.balance_cents, amount_cents)
        card.balance_cents -= taken
        card.save(update_fields=["balance_cents"])
        _ledger(
            kind=LedgerKind.GIFT_CARD_REDEMPTION,
            method=Method.GIFT_CARD,
            amount_cents=taken,
            gift_card=card,
            appointment=appointment,
            description=(
                f"Gift card …{card.code_hint} spent"
                + (f" for booking {appointment.reference}" if appointment else "")
                + f"; {format_cents(card.balance_cents)} left"
            ),
            actor=actor,
        )
    return taken


def _gift_card_credit(payment: Payment, amount: int) -> GiftCard:
    """Put a refunded gift-card payment back on the card it came from."""
    entry = payment.ledger.filter(kind=LedgerKind.GIFT_CARD_REDEMPTION).first()
    card = GiftCard.objects.select_for_update().get(pk=entry.gift_card_id)
    card.balance_cents = min(card.balance_cents + amount, card.initial_cents)
    card.save(update_fields=["balance_cents"])
    return card
