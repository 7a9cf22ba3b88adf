"""Forms of the money pages: shape only; the rules live in `payments.services`."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField
from payments.models import DESK_METHODS, Method, PackagePlan
from payments.money import normalise_code
from therapists.clinic_time import DayField

# What Stripe.js hands back for a card (pm_...), or a test token localstripe knows.
PAYMENT_METHOD_ID = re.compile(r"pm_[A-Za-z0-9_]{1,100}")  # used with fullmatch
DESK_CHOICES = [(m.value, m.label) for m in Method if m in DESK_METHODS]


def _helper(label: str, *, admin: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    button = Submit("submit", label)
    button.field_classes = "default" if admin else "btn btn-clinic btn-lg"
    helper.add_input(button)
    return helper


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and not (8 <= len(normalise_code(value)) <= 20):
            raise ValidationError(_("A code looks like GIFT-7KQ2-M9XD-4TRA."))
        return value


class DepositForm(forms.Form):
    """The card arrives as a PaymentMethod id made by Stripe's card element in the browser
    (or, in tests, a localstripe test card); the card number never reaches our server."""

    payment_method = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)
    gift_code = CodeField(
        required=False,
        label=_("Gift card code (optional)"),
        help_text=_("Pays the deposit, or part of it, from a gift card."),
    )
    save_card = forms.BooleanField(required=False)

    def __init__(self, *args, consent_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["save_card"].label = consent_text
        self.fields["save_card"].widget.attrs["class"] = "form-check-input"

    def clean_payment_method(self) -> str:
        value = self.cleaned_data["payment_method"].strip()
        if value and not PAYMENT_METHOD_ID.fullmatch(value):
            raise ValidationError(
                _("The card details did not come through. Please enter them again.")
            )
        return value

    def clean(self):
        data = super().clean()
        if not data.get("payment_method") and not data.get("gift_code"):
            raise ValidationError(_("Please enter your card details (or a gift card code)."))
        return data


class PackageCodeForm(forms.Form):
    code = CodeField(label=_("Package code"))


class GiftCardBalanceForm(forms.Form):
    code = CodeField(label=_("Gift card code"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.helper = _helper(_("Check balance"))


class DeskPaymentForm(forms.Form):
    amount = AmountField(label="Amount", max_length=20)
    method = forms.ChoiceField(choices=DESK_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(required=False, max_length=300)


class GiftCardRedeemForm(forms.Form):
    code = CodeField(label="Gift card code")
    amount = AmountField(label="Amount", max_length=20)


class GiftCardIssueForm(forms.Form):
    amount = AmountField(label="Value", max_length=20)
    recipient_name = forms.CharField(max_length=200, required=False)
    purchaser_email = forms.EmailField(label="Buyer's e-mail (the code is sent here)")
    method = forms.ChoiceField(choices=DESK_CHOICES, widget=forms.RadioSelect)


class PackageSellForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=PackagePlan.objects.filter(active=True))
    client_name = forms.CharField(max_length=200)
    client_email = forms.EmailField(label="Client's e-mail (the code is sent here)")
    method = forms.ChoiceField(choices=DESK_CHOICES, widget=forms.RadioSelect)


class CardPaymentMixin:
    """The PaymentMethod id from Stripe's card element (see DepositForm)."""

    def clean_payment_method(self) -> str:
        value = self.cleaned_data["payment_method"].strip()
        if not PAYMENT_METHOD_ID.fullmatch(value):
            raise ValidationError(
                _("The card details did not come through. Please enter them again.")
            )
        return value


class GiftCardBuyForm(CardPaymentMixin, forms.Form):
    """A gift card bought online. Amount limits and the delivery day are checked again by
    `payments.online_sales`, whatever this form let through."""

    amount = AmountField(label=_("Value"), max_length=20)
    purchaser_name = forms.CharField(label=_("Your name"), max_length=200)
    purchaser_email = forms.EmailField(
        label=_("Your e-mail"), help_text=_("The receipt is sent here.")
    )
    recipient_name = forms.CharField(label=_("For (name)"), max_length=200, required=False)
    recipient_email = forms.EmailField(
        label=_("Their e-mail"),
        required=False,
        help_text=_("Leave empty to receive the gift card yourself."),
    )
    message = forms.CharField(
        label=_("Message"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deliver_on = DayField(
        label=_("Send on"),
        required=False,
        help_text=_("Empty or today: sent at once. A later day: in the morning of that day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    payment_method = forms.CharField(max_length=120, widget=forms.HiddenInput, required=False)


class PackageBuyForm(CardPaymentMixin, forms.Form):
    plan = forms.IntegerField(min_value=1)
    payment_method = forms.CharField(max_length=120, widget=forms.HiddenInput, required=False)


class DayForm(forms.Form):
    date = DayField(required=False)


class LedgerRangeForm(forms.Form):
    start = DayField(label="From")
    end = DayField(label="To (inclusive)")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise ValidationError("The end date is before the start date.")
            if (data["end"] - data["start"]).days > 366:
                raise ValidationError("Export at most a year at a time.")
        return data
