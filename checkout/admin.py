"""Checkout in the admin: managers set each service's sales tax, the promo codes and the
commission rates; closed checkouts are read-only (they change only through
`checkout.services`)."""

from django import forms
from django.contrib import admin

from checkout.models import Checkout, CommissionRate, PromoCode, PromoKind, ServiceTax
from core.model_admin import ClinicModelAdmin


@admin.register(ServiceTax)
class ServiceTaxAdmin(ClinicModelAdmin):
    list_display = ["service", "rate_percent", "included_in_price"]
    list_select_related = ["service"]


class PromoCodeForm(forms.ModelForm):
    class Meta:
        model = PromoCode
        fields = [
            "code", "kind", "value", "valid_from", "valid_until", "max_uses",
            "max_uses_per_client", "services", "active",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            raise forms.ValidationError("The code's last day is before its first.")
        if data.get("kind") == PromoKind.PERCENT and (data.get("value") or 0) > 100:
            raise forms.ValidationError("A percentage is at most 100.")
        return data


@admin.register(PromoCode)
class PromoCodeAdmin(ClinicModelAdmin):
    form = PromoCodeForm
    list_display = ["code", "kind", "value", "valid_from", "valid_until", "max_uses", "active"]
    filter_horizontal = ["services"]


@admin.register(CommissionRate)
class CommissionRateAdmin(ClinicModelAdmin):
    list_display = ["therapist", "service", "percent"]
    list_select_related = ["therapist", "service"]


@admin.register(Checkout)
class CheckoutAdmin(ClinicModelAdmin):
    list_display = ["appointment", "tip_cents", "tax_cents", "closed_at"]
    list_select_related = ["appointment"]
    exclude = ["lines"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
