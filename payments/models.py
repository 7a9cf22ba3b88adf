"""Money: what each service asks up front and charges on a no-show or late cancellation,
cards saved with consent, payments, packages, gift cards, and the ledger.

Money is integer cents throughout (never float). Every movement of money or of prepaid value
(a charge, a refund, a fee, a desk payment, a package sold or a session redeemed, a gift card
issued or spent) is one append-only `LedgerEntry` row: the accountant's CSV and the day's
takings are read from the ledger alone. Balances that must never go below zero (sessions
left on a package, a gift card's balance) are guarded by CHECK constraints as well as by the
row lock the services take.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment, Service, Style
from clients.models import Client


def last_valid_day(expires_at):
    """The last clinic day something valid until `expires_at` (a local midnight) may be
    used: the day before that midnight. None: no expiry."""
    if expires_at is None:
        return None
    return timezone.localdate(expires_at - dt.timedelta(microseconds=1))


class DepositKind(models.TextChoices):
    NONE = "none", "No deposit"
    FIXED = "fixed", "Fixed amount"
    PERCENT = "percent", "Percentage of the price"


class PaymentPolicy(models.Model):
    """What a service asks: a deposit at booking, and the fees the clinic may charge (by a
    staff click, never automatically) for a no-show or a cancellation inside the cut-off."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="payment_policy")
    deposit_kind = models.CharField(max_length=10, choices=DepositKind.choices, default="none")
    deposit_value = models.PositiveIntegerField(
        default=0, help_text="Cents for a fixed deposit; 1–100 for a percentage."
    )
    no_show_fee_cents = models.PositiveIntegerField(default=0)
    late_cancel_fee_cents = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "payment policies"
        constraints = [
            models.CheckConstraint(
                condition=~Q(deposit_kind="percent")
                | Q(deposit_value__gte=1, deposit_value__lte=100),
                name="payment_policy_percent_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(deposit_kind="none") | Q(deposit_value__gt=0),
                name="payment_policy_deposit_not_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment policy of {self.service}"


class Method(models.TextChoices):
    STRIPE = "stripe", _("Card online (Stripe)")
    CASH = "cash", _("Cash")
    CARD_TERMINAL = "card_terminal", _("Card terminal")
    GIFT_CARD = "gift_card", _("Gift card")
    PACKAGE = "package", _("Package session")


# Money the clinic actually took in (the day's takings); gift cards and packages were
# counted when they were sold.
TAKINGS_METHODS = (Method.STRIPE, Method.CASH, Method.CARD_TERMINAL)
DESK_METHODS = (Method.CASH, Method.CARD_TERMINAL)


class CardOnFile(models.Model):
    """A client's card saved at Stripe, with the words they agreed to and when.

    The words say "this session": the card may pay the fees of `appointment` (the booking
    whose deposit page saved it) and of no other, even one under the same record or address
    (anyone may book under anyone's address; payments.services.card_for)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="cards_on_file")
    appointment = models.OneToOneField(
        "bookings.Appointment",
        on_delete=models.CASCADE,
        null=True,
        related_name="card_on_file",
        help_text="The session the client's consent covers; empty: no session (never charged).",
    )
    stripe_customer = models.CharField(max_length=100)
    stripe_payment_method = models.CharField(max_length=100)
    brand = models.CharField(max_length=30, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    consent_text = models.TextField()
    consented_at = models.DateTimeField()

    class Meta:
        verbose_name = "card on file"
        verbose_name_plural = "cards on file"

    def __str__(self) -> str:
        return f"{self.brand or 'Card'} ····{self.last4} of {self.client}"


class PaymentKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    NO_SHOW_FEE = "no_show_fee", _("No-show fee")
    LATE_CANCEL_FEE = "late_cancel_fee", _("Late-cancellation fee")
    DESK = "desk", _("Payment at the desk")
    PACKAGE_SALE = "package_sale", _("Package sale")
    GIFT_CARD_SALE = "gift_card_sale", _("Gift card sale")
    CHECKOUT = "checkout", _("Session payment")
    TIP = "tip", _("Tip")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"


ONCE_PER_APPOINTMENT = (PaymentKind.DEPOSIT, PaymentKind.NO_SHOW_FEE, PaymentKind.LATE_CANCEL_FEE)


class Payment(models.Model):
    """One attempt to take money: online through Stripe, or recorded at the desk."""

    kind = models.CharField(max_length=20, choices=PaymentKind.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_cents = models.PositiveIntegerField()
    refunded_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    payer_name = models.CharField(max_length=200, blank=True)
    payer_email = models.EmailField(blank=True)
    stripe_payment_intent = models.CharField(max_length=100, null=True, blank=True, unique=True)
    failure_message = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_cents__lte=F("amount_cents")),
                name="payment_refund_not_above_amount",
            ),
            # A deposit or fee is taken once per appointment (and way of paying: a gift card
            # may pay part of a deposit, a card the rest): a double click or a webhook racing
            # the page cannot charge twice. A failed attempt may be retried.
            models.UniqueConstraint(
                fields=["appointment", "kind", "method"],
                condition=Q(kind__in=list(ONCE_PER_APPOINTMENT))
                & Q(status__in=[PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]),
                name="payment_once_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.amount_cents / 100:.2f} ({self.get_status_display()})"
        )

    @property
    def kept_cents(self) -> int:
        return (
            self.amount_cents - self.refunded_cents if self.status == PaymentStatus.SUCCEEDED else 0
        )


class LedgerKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    FEE = "fee", "Fee"
    DESK_PAYMENT = "desk_payment", "Desk payment"
    PACKAGE_SALE = "package_sale", "Package sold"
    PACKAGE_REDEMPTION = "package_redemption", "Package session redeemed"
    GIFT_CARD_ISSUE = "gift_card_issue", "Gift card issued"
    GIFT_CARD_REDEMPTION = "gift_card_redemption", "Gift card spent"
    # The therapist's money: kept apart so that takings and payroll never mix it with the
    # clinic's.
    TIP = "tip", "Tip"


class LedgerEntry(models.Model):
    """One money movement, never changed afterwards. `amount_cents` is signed: money in is
    positive, money given back is negative. Redemptions carry the value used (a session of a
    package, cents of a gift card) with the method that paid for it."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30, choices=LedgerKind.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    amount_cents = models.BigIntegerField()
    sessions = models.SmallIntegerField(default=0, help_text="Package sessions added or used.")
    currency = models.CharField(max_length=3, default="usd")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    package = models.ForeignKey(
        "Package", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    gift_card = models.ForeignKey(
        "GiftCard", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    external_id = models.CharField(max_length=100, blank=True, help_text="Stripe id, if any.")
    description = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.amount_cents / 100:.2f} at {self.at:%Y-%m-%d %H:%M}"
        )


class StripeEvent(models.Model):
    """A webhook event handled once: the unique event id makes a redelivery a no-op."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class PackagePlan(models.Model):
    """What the clinic sells: N sessions of a style for a price."""

    name = models.CharField(max_length=120)
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="package_plans")
    sessions = models.PositiveSmallIntegerField()
    price_cents = models.PositiveIntegerField()
    valid_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days a package of this plan may be used; empty: no expiry.",
    )
    active = models.BooleanField(default=True)
    sold_online = models.BooleanField(
        default=True, help_text="Offered to signed-in clients on /packages/."
    )

    class Meta:
        ordering = ["style__name", "sessions"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions__gte=1) & Q(sessions__lte=50), name="package_plan_1_to_50"
            ),
            models.CheckConstraint(condition=Q(price_cents__gt=0), name="package_plan_price"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sessions} × {self.style}, {self.price_cents / 100:.2f})"


class Package(models.Model):
    """A package a client bought; its code (shown once, e-mailed) is kept only as a hash.

    Bought online, it has no code, and no session can be used, until its card payment
    succeeds (`code_hash` empty)."""

    plan = models.ForeignKey(PackagePlan, on_delete=models.PROTECT, related_name="packages")
    code_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="package"
    )
    code_hint = models.CharField(max_length=4, help_text="Last four characters of the code.")
    client = models.ForeignKey(
        Client,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="packages",
        help_text="The client record the package belongs to (its sessions are offered online).",
    )
    client_name = models.CharField(max_length=200)
    client_email = models.EmailField()
    sessions_total = models.PositiveSmallIntegerField()
    sessions_left = models.PositiveSmallIntegerField()
    price_cents = models.PositiveIntegerField(
        default=0, help_text="What was paid: its sessions add up to it."
    )
    sold_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sold_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_left__gte=0) & Q(sessions_left__lte=F("sessions_total")),
                name="package_sessions_left_in_range",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.plan.name} of {self.client_name} (…{self.code_hint}, {self.sessions_left} left)"
        )

    @property
    def last_day(self):
        return last_valid_day(self.expires_at)

    @property
    def sessions_used(self) -> int:
        return self.sessions_total - self.sessions_left

    def usable_at(self, moment) -> bool:
        return (
            self.code_hash is not None
            and self.sessions_left > 0
            and (self.expires_at is None or moment < self.expires_at)
        )


class PackageRedemption(models.Model):
    """A session of a package used for an appointment (at most one package per appointment)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="redemptions")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="package_redemption"
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.package} for {self.appointment.reference}"


class GiftCard(models.Model):
    """A prepaid balance behind a random code, kept only as a hash; spent in parts.

    Bought online, it has no code until its card payment succeeds (`code_hash` empty, so no
    look-up can find it); the code is then e-mailed to the recipient on `deliver_on`."""

    code_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    code_hint = models.CharField(max_length=4, help_text="Last four characters of the code.")
    initial_cents = models.PositiveIntegerField()
    balance_cents = models.PositiveIntegerField()
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField(blank=True)
    purchaser_name = models.CharField(max_length=200, blank=True)
    purchaser_email = models.EmailField()
    message = models.CharField(max_length=500, blank=True)
    deliver_on = models.DateField(
        null=True, blank=True, help_text="The day (clinic time) the code is e-mailed."
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="gift_card"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(condition=Q(initial_cents__gt=0), name="gift_card_initial"),
            models.CheckConstraint(
                condition=Q(balance_cents__gte=0) & Q(balance_cents__lte=F("initial_cents")),
                name="gift_card_balance_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Gift card …{self.code_hint} ({self.balance_cents / 100:.2f} left)"

    @property
    def last_day(self):
        return last_valid_day(self.expires_at)
