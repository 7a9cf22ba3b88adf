"""Deposits, fees and refunds: the money tied to a booking, each written with its ledger row
in one transaction (the ledger and desk payments: `payments.ledger`; prepaid money:
`payments.packages`, `payments.gift_cards`).

Online payments follow one pattern: a `Payment` row is written as pending and committed
*before* Stripe is called (so a crash mid-call leaves a trace, and the partial unique
constraint stops a second charge for the same deposit or fee), then Stripe is called with an
idempotency key derived from that row, then the outcome is recorded. `payment_succeeded` is
the single place a Stripe payment becomes money in the ledger; the deposit page and the
webhook both call it, and it does nothing the second time.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import booking_changes
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from payments import gateway, receipts
from payments.gift_cards import _gift_card_credit, gift_card_activate, gift_card_redeem
from payments.ledger import PaymentError, _describe, _ledger, _ledger_kind
from payments.models import (
    CardOnFile,
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    PaymentKind,
    PaymentPolicy,
    PaymentStatus,
)
from payments.money import deposit_cents, fee_due, format_cents
from payments.packages import _package_session_return, package_activate
from policy import rules

logger = logging.getLogger(__name__)

CARD_CONSENT_TEXT = (
    "Save my card with Stripe so that {clinic} may charge the no-show fee ({no_show}) if I do "
    "not come to this session, or the late-cancellation fee ({late}) if it is cancelled less "
    "than {hours} hours before it starts. The deposit I pay now counts towards either fee. "
    "A fee is only ever charged by a member of staff, never automatically, and I get a "
    "receipt by e-mail."
)


# A session's bill and its tip get one itemised receipt from the checkout, not one per charge.
ITEMISED_ELSEWHERE = (PaymentKind.CHECKOUT, PaymentKind.TIP)


# --- Policies -------------------------------------------------------------------------------


def policy_for(appointment_or_service) -> PaymentPolicy:
    """The service's policy, or an unsaved "nothing asked" one."""
    service = getattr(appointment_or_service, "service", appointment_or_service)
    try:
        return service.payment_policy
    except PaymentPolicy.DoesNotExist:
        return PaymentPolicy(service=service)


def deposit_due(appointment: Appointment) -> int:
    policy = policy_for(appointment)
    return deposit_cents(
        kind=policy.deposit_kind,
        value=policy.deposit_value,
        price_cents=round(appointment.service.price * 100),
    )


def deposit_required(*, service, actor) -> bool:
    """Online bookings of a service with a deposit wait for it, when Stripe is configured.
    Staff bookings (walk-ins, phone) never do: the desk takes the money in person."""
    if not settings.PAYMENTS_ENABLED or (actor is not None and actor.is_staff):
        return False
    policy = policy_for(service)
    return policy.deposit_kind != "none" and policy.deposit_value > 0


def card_consent_text(appointment: Appointment) -> str:
    policy = policy_for(appointment)
    return CARD_CONSENT_TEXT.format(
        clinic=settings.CLINIC_NAME,
        no_show=format_cents(policy.no_show_fee_cents),
        late=format_cents(policy.late_cancel_fee_cents),
        hours=rules.client_change_cutoff_hours(),
    )


def card_for(appointment: Appointment) -> CardOnFile | None:
    """The card whose consent covers this booking: saved on this booking's own deposit page
    ("this session"). Never a card saved for another booking of the same record or address,
    so a booking someone else made under the client's address cannot be charged to it."""
    return CardOnFile.objects.filter(appointment=appointment).first()


def hold_deadline(appointment: Appointment) -> dt.datetime:
    return appointment.created_at + dt.timedelta(minutes=settings.DEPOSIT_HOLD_MINUTES)


# --- Stripe payments: deposit and fees -----------------------------------------------------


def _pending_payment(**fields) -> Payment:
    """Write the attempt and commit it before Stripe is called (see the module docstring)."""
    try:
        with transaction.atomic():
            return Payment.objects.create(currency=settings.PAYMENTS_CURRENCY, **fields)
    except IntegrityError as error:
        raise PaymentError(
            _("This is already paid, or a payment for it is in progress. Refresh the page.")
        ) from error


def _fail(payment: Payment, message: str) -> None:
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED, failure_message=message[:300]
    )


def deposit_pay(
    *, appointment: Appointment, payment_method: str, save_card: bool, gift_code: str = ""
) -> Payment | None:
    """Take the deposit for a held booking, from a gift card first (if a code is given) and
    the rest by card. Returns the card payment (None when the gift card covered it all).
    With `save_card` the card is kept for fees, with the consent text the client agreed to.
    """
    if appointment.status != AppointmentStatus.AWAITING_DEPOSIT:
        raise PaymentError(_("This booking is not waiting for a deposit."))
    due = deposit_outstanding(appointment)
    if due <= 0:
        raise PaymentError(_("This booking needs no deposit."))
    if gift_code:
        due -= gift_card_pay_deposit(appointment=appointment, code=gift_code, amount_cents=due)
        if due <= 0:
            return None
    if not payment_method:
        raise PaymentError(_("Please enter your card details."))
    client = appointment.client
    payment = _pending_payment(
        kind=PaymentKind.DEPOSIT,
        method=Method.STRIPE,
        amount_cents=due,
        appointment=appointment,
        payer_name=client.name,
        payer_email=client.email,
    )
    try:
        customer = gateway.customer_create(
            email=client.email, name=client.name, client_id=client.pk
        )
        if save_card:
            saved = gateway.card_save(customer=customer, payment_method=payment_method)
            payment_method = saved.payment_method
            CardOnFile.objects.update_or_create(
                appointment=appointment,
                defaults={
                    "client": client,
                    "stripe_customer": customer,
                    "stripe_payment_method": saved.payment_method,
                    "brand": saved.brand,
                    "last4": saved.last4,
                    "consent_text": card_consent_text(appointment),
                    "consented_at": timezone.now(),
                },
            )
        intent = gateway.charge(
            amount_cents=due,
            payment_method=payment_method,
            customer=customer,
            metadata={"payment": str(payment.pk), "appointment": appointment.reference},
            idempotency_key=f"ashiatsu-payment-{payment.pk}",
        )
    except (gateway.PaymentDeclined, gateway.GatewayUnavailable) as error:
        _fail(payment, error.message)
        raise PaymentError(error.message) from error
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent.id)
    if intent.status == "succeeded":
        payment_succeeded(payment_intent=intent.id)
    # Otherwise (3-D Secure, processing) the webhook confirms it when Stripe does.
    payment.refresh_from_db()
    # The bank wants the client to confirm (3-D Secure): the page hands this to Stripe.js.
    payment.next_action_secret = intent.client_secret if intent.status == "requires_action" else ""
    return payment


def payment_succeeded(*, payment_intent: str) -> bool:
    """Stripe says the money is ours: record it once (ledger row, receipt) and, for a
    deposit, confirm the booking. A deposit that arrives after its hold ran out is refunded
    at once. Returns False when there was nothing (more) to do."""
    refund_late_deposit = None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("appointment")
            .filter(stripe_payment_intent=payment_intent)
            .first()
        )
        if payment is None or payment.status == PaymentStatus.SUCCEEDED:
            return False
        payment.status = PaymentStatus.SUCCEEDED
        payment.succeeded_at = timezone.now()
        payment.failure_message = ""
        payment.save(update_fields=["status", "succeeded_at", "failure_message"])
        _ledger(
            kind=_ledger_kind(payment),
            method=payment.method,
            amount_cents=payment.amount_cents,
            payment=payment,
            appointment=payment.appointment,
            external_id=payment_intent,
            description=_describe(payment),
            actor=payment.recorded_by,
        )
        code = _prepaid_issue(payment)
        if payment.kind not in ITEMISED_ELSEWHERE:
            receipts.queue_receipt(payment, code=code)
        if payment.kind == PaymentKind.DEPOSIT and not booking_changes.booking_deposit_paid(
            appointment=payment.appointment
        ):
            refund_late_deposit = payment.pk
    if refund_late_deposit:
        payment_refund(payment=Payment.objects.get(pk=refund_late_deposit), reason="hold expired")
    return True


def _prepaid_issue(payment: Payment) -> str:
    """A gift card or package bought online becomes usable once its payment succeeds.
    Returns the code for the buyer's receipt: a package's. A gift card's code never is: it
    travels in its own e-mail, to the recipient (or the buyer, for themselves) on the day
    chosen."""
    if payment.kind == PaymentKind.GIFT_CARD_SALE:
        gift_card_activate(payment)
        return ""
    if payment.kind == PaymentKind.PACKAGE_SALE:
        issued = package_activate(payment)
        return issued[1] if issued else ""
    return ""


def payment_failed(*, payment_intent: str, message: str) -> bool:
    return bool(
        Payment.objects.filter(
            stripe_payment_intent=payment_intent, status=PaymentStatus.PENDING
        ).update(status=PaymentStatus.FAILED, failure_message=message[:300])
    )


def payment_refund(*, payment: Payment, reason: str, actor: AbstractBaseUser | None = None) -> int:
    """Give back what is left of a payment: through Stripe, or onto the gift card it came
    from. Returns the cents refunded (0 when nothing was left)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        amount = payment.amount_cents - payment.refunded_cents
        if payment.status != PaymentStatus.SUCCEEDED or amount <= 0:
            return 0
        external = ""
        gift_card = None
        if payment.method == Method.GIFT_CARD:
            gift_card = _gift_card_credit(payment, amount)
        elif payment.method == Method.STRIPE:
            try:
                external = gateway.refund(
                    payment_intent=payment.stripe_payment_intent,
                    amount_cents=amount,
                    idempotency_key=f"ashiatsu-refund-{payment.pk}-{payment.refunded_cents}",
                )
            except (gateway.PaymentDeclined, gateway.GatewayUnavailable) as error:
                raise PaymentError(
                    "The refund could not be made at Stripe; nothing changed. Try again later."
                ) from error
        payment.refunded_cents += amount
        payment.save(update_fields=["refunded_cents"])
        _ledger(
            kind=LedgerKind.REFUND,
            method=payment.method,
            amount_cents=-amount,
            payment=payment,
            appointment=payment.appointment,
            gift_card=gift_card,
            external_id=external,
            description=f"Refund ({reason}) of {_describe(payment).lower()}",
            actor=actor,
        )
        receipts.queue_receipt(payment, refund_cents=amount)
    return amount


def deposits_settle_on_cancel(*, appointment_id: int, late: bool) -> int:
    """A cancellation inside the policy (before the client's cut-off, or by the clinic)
    refunds the deposit in full, and gives back the package session that paid for the
    booking (a package pays the whole session, deposit included: the same rule); a late one
    keeps both towards the late-cancellation fee. Returns the cents refunded."""
    if late:
        return 0
    _package_session_return(appointment_id=appointment_id)
    refunded = 0
    deposits = Payment.objects.filter(
        appointment_id=appointment_id,
        kind=PaymentKind.DEPOSIT,
        status=PaymentStatus.SUCCEEDED,
        refunded_cents__lt=F("amount_cents"),
    )
    for payment in deposits:
        refunded += payment_refund(payment=payment, reason="cancelled within the policy")
    return refunded


def deposit_outstanding(appointment: Appointment) -> int:
    """What is still to pay of the deposit (a gift card may have paid part of it)."""
    return max(deposit_due(appointment) - _deposit_kept(appointment), 0)


def _deposit_kept(appointment: Appointment) -> int:
    return sum(
        p.kept_cents
        for p in Payment.objects.filter(
            appointment=appointment, kind=PaymentKind.DEPOSIT, status=PaymentStatus.SUCCEEDED
        )
    )


def is_late_cancellation(appointment: Appointment) -> bool:
    """Cancelled by staff after the client's own cut-off had passed (recorded as an
    override in the appointment's history)."""
    if appointment.status != AppointmentStatus.CANCELLED:
        return False
    event = (
        appointment.events.filter(kind=AppointmentEvent.Kind.CANCELLED)
        .order_by("-at", "-id")
        .first()
    )
    return bool(event and event.staff_override)


def fee_charge_options(appointment: Appointment) -> list[tuple[str, int]]:
    """The fees staff may charge now: (kind, cents to charge) pairs; a fee already charged
    (or being charged) is not offered again."""
    policy = policy_for(appointment)
    options = []
    if appointment.status == AppointmentStatus.NO_SHOW and policy.no_show_fee_cents:
        options.append((PaymentKind.NO_SHOW_FEE, policy.no_show_fee_cents))
    if is_late_cancellation(appointment) and policy.late_cancel_fee_cents:
        options.append((PaymentKind.LATE_CANCEL_FEE, policy.late_cancel_fee_cents))
    if not options:
        return []
    taken = {kind for kind, _status in _fee_payments(appointment)}
    kept = _deposit_kept(appointment)
    return [
        (kind, fee_due(fee_cents=fee, deposit_kept_cents=kept))
        for kind, fee in options
        if kind not in taken
    ]


def _fee_payments(appointment: Appointment) -> list[tuple[str, str]]:
    return list(
        Payment.objects.filter(
            appointment=appointment,
            kind__in=[PaymentKind.NO_SHOW_FEE, PaymentKind.LATE_CANCEL_FEE],
            status__in=[PaymentStatus.PENDING, PaymentStatus.SUCCEEDED],
        ).values_list("kind", "status")
    )


def fee_charge(*, appointment: Appointment, kind: str, actor: AbstractBaseUser) -> Payment:
    """Charge a no-show or late-cancellation fee to the card on file: only ever on a staff
    member's click, once per appointment, minus the deposit already kept."""
    options = dict(fee_charge_options(appointment))
    if kind not in options:
        raise PaymentError("This fee does not apply to this booking.")
    amount = options[kind]
    if amount <= 0:
        raise PaymentError("The deposit already covers this fee; there is nothing to charge.")
    card = card_for(appointment)
    if card is None:
        raise PaymentError("The client has no card on file; take the fee at the desk.")
    return card_charge(
        appointment=appointment,
        kind=kind,
        amount_cents=amount,
        payment_method=card.stripe_payment_method,
        customer=card.stripe_customer,
        actor=actor,
        declined_prefix="The card was not charged: ",
    )


def card_charge(
    *,
    appointment: Appointment,
    kind: str,
    amount_cents: int,
    payment_method: str,
    customer: str | None,
    actor: AbstractBaseUser | None,
    declined_prefix: str = "",
) -> Payment:
    """Charge a card through Stripe for this booking, on the pattern of the module docstring
    (pending row first, idempotency key from it, `payment_succeeded` records the money). A
    card on file (`customer` given) is charged off-session."""
    payment = _pending_payment(
        kind=kind,
        method=Method.STRIPE,
        amount_cents=amount_cents,
        appointment=appointment,
        payer_name=appointment.client.name,
        payer_email=appointment.client.email,
        recorded_by=actor,
    )
    try:
        intent = gateway.charge(
            amount_cents=amount_cents,
            payment_method=payment_method,
            customer=customer,
            metadata={"payment": str(payment.pk), "appointment": appointment.reference},
            idempotency_key=f"ashiatsu-payment-{payment.pk}",
            off_session=bool(customer),
        )
    except (gateway.PaymentDeclined, gateway.GatewayUnavailable) as error:
        _fail(payment, error.message)
        raise PaymentError(declined_prefix + error.message) from error
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent.id)
    if intent.status == "succeeded":
        payment_succeeded(payment_intent=intent.id)
    payment.refresh_from_db()
    return payment


def gift_card_pay_deposit(*, appointment: Appointment, code: str, amount_cents: int) -> int:
    """Pay (part of) a deposit from a gift card, as a deposit payment of its own (refunded
    onto the card if the booking is cancelled within the policy). When it covers the whole
    deposit, the booking counts at once. Returns the cents the card paid."""
    try:
        with transaction.atomic():
            taken = gift_card_redeem(code=code, amount_cents=amount_cents, appointment=appointment)
            payment = Payment.objects.create(
                kind=PaymentKind.DEPOSIT,
                method=Method.GIFT_CARD,
                status=PaymentStatus.SUCCEEDED,
                amount_cents=taken,
                currency=settings.PAYMENTS_CURRENCY,
                appointment=appointment,
                payer_name=appointment.client.name,
                payer_email=appointment.client.email,
                succeeded_at=timezone.now(),
            )
            LedgerEntry.objects.filter(
                appointment=appointment, kind=LedgerKind.GIFT_CARD_REDEMPTION, payment=None
            ).update(payment=payment)
            receipts.queue_receipt(payment)
            if deposit_outstanding(appointment) <= 0:
                booking_changes.booking_deposit_paid(appointment=appointment)
    except IntegrityError as error:
        raise PaymentError(_("A gift card has already paid part of this deposit.")) from error
    return taken


# --- Sweep ----------------------------------------------------------------------------------


def deposit_holds_expire(*, now: dt.datetime | None = None) -> int:
    """Release every booking whose deposit was not paid within the hold (sweep step)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.DEPOSIT_HOLD_MINUTES)
    released = 0
    for appointment in Appointment.objects.filter(
        status=AppointmentStatus.AWAITING_DEPOSIT, created_at__lt=cutoff
    ).only("pk"):
        if Payment.objects.filter(
            appointment=appointment,
            kind=PaymentKind.DEPOSIT,
            status=PaymentStatus.PENDING,
            created_at__gte=cutoff,
        ).exists():
            continue  # a card payment started just now: give Stripe a chance to answer
        released += booking_changes.booking_release_unpaid(appointment=appointment)
    return released
