"""Forms of the therapist portal. They describe shape; `bookings.services` has the final say."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bookings.models import AppointmentStatus, SessionNote

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


class SessionNoteForm(forms.ModelForm):
    """A short record of the session: what was done, the pressure used, how the client felt."""

    class Meta:
        model = SessionNote
        fields = ["work_done", "pressure_used", "client_response"]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 3}),
            "pressure_used": forms.RadioSelect,
            "client_response": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "work_done": "For example: long strokes along the erectors, lighter on the lower back.",
            "client_response": "Optional: comfort, soreness, anything for next time.",
        }

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pressure_used"].choices = [
            c for c in self.fields["pressure_used"].choices if c[0]
        ]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Save note", css_class="btn-clinic"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=THERAPIST_STATUSES)
