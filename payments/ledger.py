"""The ledger: every money movement as a row, and money taken in person at the desk, so
the day's takings reconcile. The other payment modules write through these.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment
from payments import receipts
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    PaymentKind,
    PaymentStatus,
)


class PaymentError(Exception):
    """A money action the clinic cannot do; `message` is written for the person asking."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _ledger(**fields) -> LedgerEntry:
    return LedgerEntry.objects.create(currency=settings.PAYMENTS_CURRENCY, **fields)


def _ledger_kind(payment: Payment) -> str:
    if payment.kind == PaymentKind.TIP:
        return LedgerKind.TIP
    if payment.kind == PaymentKind.CHECKOUT:
        return LedgerKind.CHARGE if payment.method == Method.STRIPE else LedgerKind.DESK_PAYMENT
    return {
        PaymentKind.DEPOSIT: LedgerKind.CHARGE,
        PaymentKind.NO_SHOW_FEE: LedgerKind.FEE,
        PaymentKind.LATE_CANCEL_FEE: LedgerKind.FEE,
        PaymentKind.DESK: LedgerKind.DESK_PAYMENT,
        PaymentKind.PACKAGE_SALE: LedgerKind.PACKAGE_SALE,
        PaymentKind.GIFT_CARD_SALE: LedgerKind.GIFT_CARD_ISSUE,
    }[payment.kind]


def _describe(payment: Payment) -> str:
    what = payment.get_kind_display()
    if payment.appointment_id:
        return f"{what} for booking {payment.appointment.reference}"
    return what


def desk_payment_record(
    *,
    amount_cents: int,
    method: str,
    actor: AbstractBaseUser,
    appointment: Appointment | None = None,
    payer_name: str = "",
    payer_email: str = "",
    note: str = "",
    kind: str = PaymentKind.DESK,
    receipt: bool = True,
) -> Payment:
    """Money taken in person (cash, the card terminal), so the day's takings reconcile.
    `receipt=False` when the caller sends one receipt of its own for several payments (a
    checkout's itemised bill)."""
    if method not in (Method.CASH, Method.CARD_TERMINAL):
        raise PaymentError("Desk payments are cash or the card terminal.")
    if amount_cents <= 0:
        raise PaymentError("Enter an amount above zero.")
    if appointment is not None:
        payer_name = payer_name or appointment.client.name
        payer_email = payer_email or appointment.client.email
    with transaction.atomic():
        payment = Payment.objects.create(
            kind=kind,
            method=method,
            status=PaymentStatus.SUCCEEDED,
            amount_cents=amount_cents,
            currency=settings.PAYMENTS_CURRENCY,
            appointment=appointment,
            payer_name=payer_name,
            payer_email=payer_email,
            note=note[:300],
            recorded_by=actor,
            succeeded_at=timezone.now(),
        )
        _ledger(
            kind=_ledger_kind(payment),
            method=method,
            amount_cents=amount_cents,
            payment=payment,
            appointment=appointment,
            description=(f"{_describe(payment)}: {note}" if note else _describe(payment))[:300],
            actor=actor,
        )
        if receipt and payer_email and kind == PaymentKind.DESK:
            receipts.queue_receipt(payment)
    return payment
