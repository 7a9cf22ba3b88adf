"""Forms of the therapist portal. They describe shape; `bookings.services` has the final say."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bookings.models import AppointmentStatus

# What a therapist may set from the portal. Checking in is the front desk's job (admin).
THERAPIST_STATUSES = [
    (AppointmentStatus.COMPLETED.value, "Completed"),
    (AppointmentStatus.NO_SHOW.value, "No-show"),
]


class PortalLoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("submit", "Log in", css_class="btn-clinic"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=THERAPIST_STATUSES)
