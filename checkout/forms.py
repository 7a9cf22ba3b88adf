from django import forms
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField


class BillForm(forms.Form):
    """The desk's choices: the tip (an amount, or a suggested percentage) and a code."""

    tip = AmountField(label="Tip", required=False, allow_zero=True)
    code = forms.CharField(label="Promo code", required=False, max_length=40)


class TakeForm(forms.Form):
    method = forms.ChoiceField(
        label="How the client pays",
        choices=[
            ("card_on_file", "Card on file (Stripe)"),
            ("cash", "Cash"),
            ("card_terminal", "Card terminal"),
        ],
        widget=forms.RadioSelect(attrs={"class": "radio-list"}),
    )
    card_agreed = forms.BooleanField(
        label="The client agrees to pay this bill with the card on file", required=False
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 366:
                raise forms.ValidationError("Choose a period of at most a year.")
        return data


class TipForm(forms.Form):
    """The client's tip: a suggested percentage or an amount of their own; the server checks
    the amount whatever the page sent."""

    percent = forms.IntegerField(required=False, min_value=1, max_value=100)
    custom = AmountField(label=_("Another amount"), required=False)
    card = forms.ChoiceField(choices=[("saved", "saved"), ("new", "new")], initial="saved")
    payment_method = forms.CharField(required=False, max_length=100)
