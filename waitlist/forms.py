"""The waitlist form: what and when, with the contact and intake forms of the booking flow."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from bookings.models import Service
from core.clock import clinic_today
from therapists.models import Therapist


class WaitlistForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True).select_related("style"),
        empty_label=None,
        label="Treatment",
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(active=True),
        required=False,
        empty_label="Any qualified therapist",
    )
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_day"].initial = clinic_today()
        self.fields["last_day"].initial = clinic_today() + dt.timedelta(days=14)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            raise ValidationError("The last day cannot be before the first.")
        return cleaned
