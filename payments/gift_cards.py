"""Gift cards: sold at the desk, spent in part or whole (on deposits too), and credited
back when a payment they made is refunded. Only a hash of each code is kept.
"""

from django.db import transaction

from bookings.models import Appointment
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
        )
        LedgerEntry.objects.filter(payment=payment).update(gift_card=card)
        receipts.queue_receipt(payment, code=code)
    return card, code


def gift_card_balance(code: str) -> int | None:
    card = GiftCard.objects.filter(code_hash=hash_code(code)).only("balance_cents").first()
    return card.balance_cents if card else None


def gift_card_redeem(
    *, code: str, amount_cents: int, appointment: Appointment | None = None, actor=None
) -> int:
    """Spend up to `amount_cents` of a gift card (partial redemption: what the balance
    allows). The row lock serialises concurrent spends; the CHECK constraint is the last
    guard against a negative balance. Returns the cents taken."""
    if amount_cents <= 0:
        raise PaymentError("Enter an amount above zero.")
    with transaction.atomic():
        card = GiftCard.objects.select_for_update().filter(code_hash=hash_code(code)).first()
        if card is None:
            raise PaymentError("No gift card matches this code.")
        if card.balance_cents <= 0:
            raise PaymentError("This gift card has been used up.")
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
