"""The client's contact details, as the booking pages and the API take them."""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.validators import validate_person_name
from core import phones
from core.forms import submit_helper

PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")
# Shown beside the texts box and stored with the client's choice (texts/consent.py).
TEXTS_CONSENT = _(
    "Also text me about this booking (confirmation, reminders, changes) at this number. "
    "Message and data rates may apply. Reply STOP to stop."
)


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
    # Only while the clinic sends texts (TWILIO_* set); unticked: e-mail only.
    texts = forms.BooleanField(required=False, label=TEXTS_CONSENT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        if not settings.TEXTS_ENABLED:
            del self.fields["texts"]
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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("texts"):
            cleaned["texts_wording"] = str(TEXTS_CONSENT)
            if "phone" in cleaned and not phones.can_receive_texts(cleaned["phone"]):
                self.add_error(
                    "phone",
                    _(
                        "This number cannot receive texts. Enter a mobile number with its "
                        "country code (e.g. +1 212 555 0142), or untick the texts box."
                    ),
                )
        return cleaned
