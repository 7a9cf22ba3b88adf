"""Payments in the admin: policies and package plans are edited here; payments, the ledger,
cards, packages and gift cards are read-only (they change only through `payments.services`,
so every movement keeps its ledger row)."""

from django import forms
from django.contrib import admin

from core.amounts import AmountField
from core.model_admin import ClinicModelAdmin
from payments.models import (
    CardOnFile,
    GiftCard,
    LedgerEntry,
    Package,
    PackagePlan,
    Payment,
    PaymentPolicy,
    StripeEvent,
)


class PaymentPolicyForm(forms.ModelForm):
    """Fees typed in dollars and read strictly (`core.amounts`), kept in cents."""

    no_show_fee_cents = AmountField(allow_zero=True, label="No-show fee", initial=0)
    late_cancel_fee_cents = AmountField(allow_zero=True, label="Late-cancellation fee", initial=0)

    class Meta:
        model = PaymentPolicy
        fields = [
            "service", "deposit_kind", "deposit_value", "no_show_fee_cents",
            "late_cancel_fee_cents",
        ]  # fmt: skip


class PackagePlanForm(forms.ModelForm):
    price_cents = AmountField(label="Price")

    class Meta:
        model = PackagePlan
        fields = ["name", "style", "sessions", "price_cents", "active"]


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(ClinicModelAdmin):
    form = PaymentPolicyForm
    list_display = [
        "service",
        "deposit_kind",
        "deposit_value",
        "no_show_fee_cents",
        "late_cancel_fee_cents",
    ]
    list_select_related = ["service"]


@admin.register(PackagePlan)
class PackagePlanAdmin(ClinicModelAdmin):
    form = PackagePlanForm
    list_display = ["name", "style", "sessions", "price_cents", "active"]


class ReadOnlyAdmin(ClinicModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "method",
        "status",
        "amount_cents",
        "refunded_cents",
        "appointment",
    ]
    list_filter = ["kind", "method", "status"]
    list_select_related = ["appointment"]
    search_fields = ["appointment__reference", "payer_email", "stripe_payment_intent"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "method", "amount_cents", "sessions", "description"]
    list_filter = ["kind", "method"]
    date_hierarchy = "at"


@admin.register(CardOnFile)
class CardOnFileAdmin(ReadOnlyAdmin):
    list_display = ["client", "brand", "last4", "consented_at"]
    exclude = ["stripe_customer", "stripe_payment_method"]


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = [
        "plan",
        "client_name",
        "code_hint",
        "sessions_left",
        "sessions_total",
        "sold_at",
        "expires_at",
    ]
    search_fields = ["client_name", "client_email", "code_hint"]
    raw_id_fields = ["client", "payment"]


@admin.register(GiftCard)
class GiftCardAdmin(ReadOnlyAdmin):
    list_display = [
        "code_hint",
        "recipient_name",
        "balance_cents",
        "initial_cents",
        "issued_at",
        "deliver_on",
        "expires_at",
    ]
    search_fields = ["recipient_name", "purchaser_email", "code_hint"]
    # The buyer's words to the recipient are theirs, not the desk's business.
    exclude = ["message"]
    raw_id_fields = ["payment"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id"]
