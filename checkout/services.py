"""Ringing a session up: its bill, the desk's choices (tip, code), taking what is owed,
and a tip the client adds online afterwards.

Money moves only through `payments` (the ledger, desk payments, Stripe charges): the part
of the bill that is the clinic's is a `checkout` payment, the tip a `tip` payment with its
own ledger kind, so takings and payroll keep the therapist's money apart. A card is charged
in two PaymentIntents (the bill, then the tip) for that reason.

Taking money is claimed on the checkout row first (`taking_since`, set by one UPDATE), so a
double click or two desks cannot charge the same bill twice; a claim older than
`CLAIM_TIMEOUT` (a crashed worker) may be taken over.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment, AppointmentStatus
from checkout import receipts
from checkout.bill import Bill, percent_of
from checkout.models import Checkout
from checkout.promos import PromoError, promo_redeem
from checkout.statement import bill_for, price_cents
from checkout.tips import tip_open, tips_paid
from payments import ledger as payments_ledger
from payments import services as payments_services
from payments.ledger import PaymentError
from payments.models import LedgerEntry, LedgerKind, Method, PaymentKind
from payments.money import format_cents

CHECKOUT_STATUSES = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
CARD_ON_FILE = "card_on_file"
TAKE_METHODS = (CARD_ON_FILE, Method.CASH, Method.CARD_TERMINAL)


class CheckoutError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def tip_limit_cents(appointment: Appointment) -> int:
    """The largest tip accepted, on the desk and online: a share of the menu price
    (CHECKOUT_TIP_MAX_PERCENT) so that a typing slip cannot charge a card hundreds."""
    return percent_of(price_cents(appointment), settings.CHECKOUT_TIP_MAX_PERCENT)


def suggested_tips(appointment: Appointment) -> list[tuple[int, int]]:
    """(percent, cents) for the suggested tips, of the service's menu price."""
    price = price_cents(appointment)
    return [(p, percent_of(price, p)) for p in settings.CHECKOUT_TIP_PERCENTS]


# --- The desk -------------------------------------------------------------------------


def _open_checkout(appointment: Appointment) -> Checkout:
    if appointment.status not in CHECKOUT_STATUSES:
        raise CheckoutError(
            _("A %(status)s booking cannot be checked out.")
            % {"status": appointment.get_status_display().lower()}
        )
    checkout, _created = Checkout.objects.get_or_create(appointment=appointment)
    if checkout.closed_at:
        raise CheckoutError(_("This booking is already checked out."))
    return checkout


def checkout_update(*, appointment: Appointment, tip_cents: int | None, code: str = "") -> Bill:
    """The desk sets the tip and applies a code; returns the new bill."""
    checkout = _open_checkout(appointment)
    if tip_cents is not None:
        if tip_cents < 0 or tip_cents > tip_limit_cents(appointment):
            raise CheckoutError(
                _("A tip is between 0 and %(limit)s.")
                % {"limit": format_cents(tip_limit_cents(appointment))}
            )
        Checkout.objects.filter(pk=checkout.pk, closed_at=None).update(tip_cents=tip_cents)
    if code.strip():
        try:
            promo_redeem(code=code, appointment=appointment)
        except PromoError as error:
            raise CheckoutError(error.message) from error
    return bill_for(appointment)


def _claim(checkout: Checkout, *, closed: bool) -> bool:
    stale = timezone.now() - CLAIM_TIMEOUT
    return bool(
        Checkout.objects.filter(pk=checkout.pk, closed_at__isnull=not closed)
        .filter(Q(taking_since=None) | Q(taking_since__lt=stale))
        .update(taking_since=timezone.now())
    )


def _release(checkout: Checkout) -> None:
    Checkout.objects.filter(pk=checkout.pk).update(taking_since=None)


def _take(*, appointment, method: str, kind: str, amount: int, actor) -> None:
    if amount <= 0:
        return
    if method == CARD_ON_FILE:
        card = payments_services.card_for(appointment)
        if card is None:
            raise CheckoutError(_("The client has no card on file for this booking."))
        payment = payments_services.card_charge(
            appointment=appointment,
            kind=kind,
            amount_cents=amount,
            payment_method=card.stripe_payment_method,
            customer=card.stripe_customer,
            actor=actor,
        )
        if payment.status != "succeeded":
            raise CheckoutError(
                _("The bank asks the client to confirm this payment; take it at the terminal.")
            )
        return
    payments_ledger.desk_payment_record(
        amount_cents=amount,
        method=method,
        actor=actor,
        appointment=appointment,
        kind=kind,
        receipt=False,
    )


def checkout_take(
    *, appointment: Appointment, method: str, actor, card_agreed: bool = False
) -> Checkout:
    """Take what is owed (card on file through Stripe, or cash or the terminal recorded),
    the tip as its own payment, then close the bill and e-mail the itemised receipt."""
    if method not in TAKE_METHODS:
        raise CheckoutError(_("Choose how the client pays."))
    if method == CARD_ON_FILE and not card_agreed:
        raise CheckoutError(
            _("The card on file was saved for fees: ask the client, then tick that they agree.")
        )
    checkout = _open_checkout(appointment)
    if not _claim(checkout, closed=False):
        raise CheckoutError(_("This bill is being paid already. Refresh the page."))
    try:
        bill = bill_for(appointment)
        owed = max(bill.owed_cents, 0)
        tip_owed = min(max(checkout.tip_cents - tips_paid(appointment), 0), owed)
        try:
            _take(
                appointment=appointment,
                method=method,
                kind=PaymentKind.CHECKOUT,
                amount=owed - tip_owed,
                actor=actor,
            )
            _take(
                appointment=appointment,
                method=method,
                kind=PaymentKind.TIP,
                amount=tip_owed,
                actor=actor,
            )
        except PaymentError as error:
            raise CheckoutError(error.message) from error
        return _close(checkout, actor=actor)
    finally:
        _release(checkout)


def _close(checkout: Checkout, *, actor) -> Checkout:
    bill = bill_for(checkout.appointment)
    with transaction.atomic():
        Checkout.objects.filter(pk=checkout.pk).update(
            closed_at=checkout.closed_at or timezone.now(),
            closed_by=checkout.closed_by or actor,
            tax_cents=bill.tax_cents,
            lines=[line.as_dict() for line in bill.lines],
        )
        checkout.refresh_from_db()
        receipts.queue_checkout_receipt(checkout)
    return checkout


# --- A tip online, after the session --------------------------------------------------


def tip_online(
    *, appointment: Appointment, tip_cents: int, payment_method: str = "", saved_card: bool
) -> Checkout:
    """Charge the tip the client chose (validated here, whatever the page sent) to the card
    saved for this booking or to a new card, and send the updated receipt."""
    if not tip_open(appointment):
        raise CheckoutError(_("This session cannot take a tip online any more. Thank you!"))
    limit = tip_limit_cents(appointment)
    if not 1 <= tip_cents <= limit:
        raise CheckoutError(
            _("Please choose a tip between %(low)s and %(high)s.")
            % {
                "low": format_cents(1),
                "high": format_cents(limit),
            }
        )
    card = payments_services.card_for(appointment) if saved_card else None
    if saved_card and card is None:
        raise CheckoutError(_("There is no saved card for this session; enter a card."))
    if not card and not payment_method:
        raise CheckoutError(_("Please enter your card details."))
    checkout = appointment.checkout
    if not _claim(checkout, closed=True):
        raise CheckoutError(_("Your tip is being processed already."))
    try:
        payment = payments_services.card_charge(
            appointment=appointment,
            kind=PaymentKind.TIP,
            amount_cents=tip_cents,
            payment_method=card.stripe_payment_method if card else payment_method,
            customer=card.stripe_customer if card else None,
            actor=None,
        )
        if payment.status != "succeeded":
            raise CheckoutError(_("Your bank did not confirm the payment; nothing was charged."))
        Checkout.objects.filter(pk=checkout.pk).update(tip_cents=tip_cents)
        checkout.refresh_from_db()
        return _close(checkout, actor=None)
    except PaymentError as error:
        raise CheckoutError(error.message) from error
    finally:
        _release(checkout)


def ledger_total(appointment: Appointment) -> int:
    """Everything the ledger holds for this booking except fees (what the bill is paid by)."""
    return (
        LedgerEntry.objects.filter(appointment=appointment)
        .exclude(kind=LedgerKind.FEE)
        .aggregate(s=Sum("amount_cents"))["s"]
        or 0
    )
