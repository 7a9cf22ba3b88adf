"""Checkout: what a session costs once it is over (the bill), the codes that discount it,
the sales tax each service carries, and the commission therapists earn.

Money is integer cents. The bill itself is computed (`checkout.bill`) from the service, the
code, the tax and the payments already made; a `Checkout` row keeps what the desk chose (the
code, the tip) and, once closed, a copy of the lines as they were, for the receipt.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import Appointment, Service
from therapists.models import Therapist


class ServiceTax(models.Model):
    """The sales tax on a service: a percentage (8.875 for New York City) and whether the
    price on the menu already includes it. A service without a row is not taxed."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="sales_tax")
    rate_percent = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="8.875 means 8.875 %."
    )
    included_in_price = models.BooleanField(
        default=False, help_text="Ticked: the menu price already contains the tax."
    )

    class Meta:
        verbose_name = "sales tax of a service"
        verbose_name_plural = "sales tax of services"
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lt=100),
                name="service_tax_rate_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent} % on {self.service}"


class PromoKind(models.TextChoices):
    PERCENT = "percent", "Percentage off"
    AMOUNT = "amount", "Amount off (cents)"


class PromoCode(models.Model):
    """A discount code the desk applies at checkout."""

    code = models.CharField(max_length=40, unique=True, help_text="Stored in capitals.")
    kind = models.CharField(max_length=10, choices=PromoKind.choices)
    value = models.PositiveIntegerField(help_text="1–100 for a percentage; cents for an amount.")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text="Last day it may be used.")
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    max_uses_per_client = models.PositiveIntegerField(null=True, blank=True)
    services = models.ManyToManyField(
        Service, blank=True, related_name="promo_codes", help_text="Empty: every service."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="promo_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="promo_percent_to_100"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class PromoRedemption(models.Model):
    """A code used on one booking (a booking carries at most one code)."""

    promo = models.ForeignKey(PromoCode, on_delete=models.PROTECT, related_name="redemptions")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="promo_redemption"
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.promo} on {self.appointment.reference}"


class Checkout(models.Model):
    """What the desk chose for a booking's bill, and the bill as it was when closed."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="checkout"
    )
    tip_cents = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_cents = models.IntegerField(default=0, help_text="Sales tax in the closed bill.")
    # Set while money is being taken (one UPDATE claims it): see checkout.services.
    taking_since = models.DateTimeField(null=True, blank=True, editable=False)
    lines = models.JSONField(default=list, blank=True, help_text="The closed bill's lines.")

    def __str__(self) -> str:
        return f"Checkout of {self.appointment.reference}"


class CommissionRate(models.Model):
    """A therapist's commission on the money taken for their sessions: for one therapist,
    one service, or one therapist on one service (the most specific rate applies)."""

    therapist = models.ForeignKey(
        Therapist, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(therapist__isnull=False) | Q(service__isnull=False),
                name="commission_for_someone",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="commission_0_to_100"
            ),
            models.UniqueConstraint(fields=["therapist", "service"], name="commission_once"),
            models.UniqueConstraint(
                fields=["therapist"], condition=Q(service=None), name="commission_therapist_once"
            ),
            models.UniqueConstraint(
                fields=["service"], condition=Q(therapist=None), name="commission_service_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent} % for {self.therapist or 'anyone'} on {self.service or 'any'}"
