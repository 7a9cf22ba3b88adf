"""Every money movement of the clinic, each written with its ledger row in one transaction.

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

from bookings import services as booking_services
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from payments import gateway, receipts
from payments.models import (
    CardOnFile,
    GiftCard,
    LedgerEntry,
    LedgerKind,
    Method,
    Package,
    PackagePlan,
    PackageRedemption,
    Payment,
    PaymentKind,
    PaymentPolicy,
    PaymentStatus,
)
from payments.money import code_hint, deposit_cents, fee_due, format_cents, hash_code, new_code
from policy import rules

logger = logging.getLogger(__name__)

CARD_CONSENT_TEXT = (
    "Save my card with Stripe so that {clinic} may charge the no-show fee ({no_show}) if I do "
    "not come to this session, or the late-cancellation fee ({late}) if it is cancelled less "
    "than {hours} hours before it starts. The deposit I pay now counts towards either fee. "
    "A fee is only ever charged by a member of staff, never automatically, and I get a "
    "receipt by e-mail."
)


class PaymentError(Exception):
    """A money action the clinic cannot do; `message` is written for the person asking."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


# --- Ledger ---------------------------------------------------------------------------------


def _ledger(**fields) -> LedgerEntry:
    return LedgerEntry.objects.create(currency=settings.PAYMENTS_CURRENCY, **fields)


def _ledger_kind(payment: Payment) -> str:
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


# --- Stripe payments: deposit and fees -----------------------------------------------------


def _pending_payment(**fields) -> Payment:
    """Write the attempt and commit it before Stripe is called (see the module docstring)."""
    try:
        with transaction.atomic():
            return Payment.objects.create(currency=settings.PAYMENTS_CURRENCY, **fields)
    except IntegrityError as error:
        raise PaymentError(
            "This is already paid, or a payment for it is in progress. Refresh the page."
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
        raise PaymentError("This booking is not waiting for a deposit.")
    due = deposit_outstanding(appointment)
    if due <= 0:
        raise PaymentError("This booking needs no deposit.")
    if gift_code:
        due -= gift_card_pay_deposit(appointment=appointment, code=gift_code, amount_cents=due)
        if due <= 0:
            return None
    if not payment_method:
        raise PaymentError("Please enter your card details.")
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
        receipts.queue_receipt(payment)
        if payment.kind == PaymentKind.DEPOSIT and not booking_services.booking_deposit_paid(
            appointment=payment.appointment
        ):
            refund_late_deposit = payment.pk
    if refund_late_deposit:
        payment_refund(payment=Payment.objects.get(pk=refund_late_deposit), reason="hold expired")
    return True


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
    refunds the deposit in full; a late one keeps it towards the late-cancellation fee."""
    if late:
        return 0
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
    payment = _pending_payment(
        kind=kind,
        method=Method.STRIPE,
        amount_cents=amount,
        appointment=appointment,
        payer_name=appointment.client.name,
        payer_email=appointment.client.email,
        recorded_by=actor,
    )
    try:
        intent = gateway.charge(
            amount_cents=amount,
            payment_method=card.stripe_payment_method,
            customer=card.stripe_customer,
            metadata={"payment": str(payment.pk), "appointment": appointment.reference},
            idempotency_key=f"ashiatsu-payment-{payment.pk}",
            off_session=True,
        )
    except (gateway.PaymentDeclined, gateway.GatewayUnavailable) as error:
        _fail(payment, error.message)
        raise PaymentError(f"The card was not charged: {error.message}") from error
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent=intent.id)
    if intent.status == "succeeded":
        payment_succeeded(payment_intent=intent.id)
    payment.refresh_from_db()
    return payment


# --- Desk payments --------------------------------------------------------------------------


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
) -> Payment:
    """Money taken in person (cash, the card terminal), so the day's takings reconcile."""
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
        if payer_email and kind == PaymentKind.DESK:
            receipts.queue_receipt(payment)
    return payment


# --- Packages -------------------------------------------------------------------------------


def package_sell(
    *, plan: PackagePlan, client_name: str, client_email: str, method: str, actor
) -> tuple[Package, str]:
    """Sell a package at the desk: the payment, the package and its code (returned once and
    e-mailed to the client; only its hash is kept)."""
    code = new_code("PKG")
    with transaction.atomic():
        payment = desk_payment_record(
            amount_cents=plan.price_cents,
            method=method,
            actor=actor,
            payer_name=client_name,
            payer_email=client_email,
            note=plan.name,
            kind=PaymentKind.PACKAGE_SALE,
        )
        package = Package.objects.create(
            plan=plan,
            code_hash=hash_code(code),
            code_hint=code_hint(code),
            client_name=client_name,
            client_email=client_email,
            sessions_total=plan.sessions,
            sessions_left=plan.sessions,
        )
        LedgerEntry.objects.filter(payment=payment).update(package=package, sessions=plan.sessions)
        receipts.queue_receipt(payment, code=code)
    return package, code


def package_find(code: str) -> Package | None:
    return Package.objects.select_related("plan__style").filter(code_hash=hash_code(code)).first()


def package_redeem(*, code: str, appointment: Appointment, actor=None) -> Package:
    """Use one session of a package for an appointment of its style. The row lock and the
    CHECK constraint keep the balance from going below zero under concurrent redemptions; an
    appointment is paid by one package at most. A held booking counts from then on: the
    package pays for the whole session, deposit included."""
    with transaction.atomic():
        package = (
            Package.objects.select_for_update()
            .select_related("plan__style")
            .filter(code_hash=hash_code(code))
            .first()
        )
        if package is None:
            raise PaymentError("No package matches this code.")
        if package.plan.style_id != appointment.service.style_id:
            raise PaymentError(f"This package is for {package.plan.style} sessions.")
        if package.sessions_left <= 0:
            raise PaymentError("This package has no sessions left.")
        try:
            with transaction.atomic():
                PackageRedemption.objects.create(package=package, appointment=appointment)
        except IntegrityError as error:
            raise PaymentError("This booking is already paid with a package.") from error
        package.sessions_left -= 1
        package.save(update_fields=["sessions_left"])
        _ledger(
            kind=LedgerKind.PACKAGE_REDEMPTION,
            method=Method.PACKAGE,
            amount_cents=package.plan.price_cents // package.plan.sessions,
            sessions=-1,
            package=package,
            appointment=appointment,
            description=(
                f"Session of {package.plan.name} (…{package.code_hint}) for booking "
                f"{appointment.reference}; {package.sessions_left} left"
            ),
            actor=actor,
        )
        if appointment.status == AppointmentStatus.AWAITING_DEPOSIT:
            booking_services.booking_deposit_paid(appointment=appointment)
    return package


# --- Gift cards -----------------------------------------------------------------------------


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
                booking_services.booking_deposit_paid(appointment=appointment)
    except IntegrityError as error:
        raise PaymentError("A gift card has already paid part of this deposit.") from error
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
        released += booking_services.booking_release_unpaid(appointment=appointment)
    return released
