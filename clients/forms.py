"""The client's contact details, as the booking pages and the API take them."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.validators import validate_person_name
from core.forms import submit_helper

PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")


class ContactForm(forms.Form):
    """How the clinic reaches the client; the API validates client details with it too."""

    name = forms.CharField(
        max_length=200, label=_("Full name"), strip=True, validators=[validate_person_name]
    )
    email = forms.EmailField(
        max_length=254,
        label=_("E-mail"),
        help_text=_("Your confirmation and manage link go here."),
    )
    phone = forms.CharField(
        max_length=30, label=_("Phone"), help_text=_("In case we need to reach you on the day.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.helper = submit_helper(_("Review booking"))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not any(ch.isalpha() for ch in name):
            raise ValidationError(_("Please enter your name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError(_("Please enter a phone number, digits with an optional +."))
        return phone
