"""The booking flow's own form: the day the slot list starts on. The client's details are
`clients.forms`, the intake questionnaire `health.forms`."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class DateForm(forms.Form):
    """The day the slot list starts on (the no-JavaScript date picker)."""

    date = forms.DateField(
        label=_("Show times from"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def clean_date(self) -> dt.date | None:
        return self.cleaned_data.get("date")
