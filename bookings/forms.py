"""Forms of the booking flow. They describe shape; the rules live in `screening` and `services`.

The intake form is generated from `questionnaires.QUESTIONS`, so a question added there appears
here, in the API and in the stored answers at once. Yes/no questions are radio buttons with no
default: "every answer is required" means the client must actively answer each one.
"""

import datetime as dt
import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.validators import validate_person_name
from health import questionnaires, screening

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")


def _helper(submit_label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    button = Submit("submit", submit_label)
    button.field_classes = "btn btn-clinic btn-lg"  # not crispy's default btn-primary
    helper.add_input(button)
    return helper


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
        self.helper = _helper(_("Review booking"))

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


def _field_for(question: questionnaires.Question) -> forms.Field:
    common = {"label": question.text, "help_text": question.help_text}
    if question.kind == questionnaires.DATE:
        # Optional as a form field: the screening requires it only when the answer before
        # it says so (a client who answers "no" never sees it with JavaScript on, and
        # can leave it empty without).
        return forms.DateField(
            required=False, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if question.kind == questionnaires.BOOL:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if question.kind == questionnaires.CHOICE:
        return forms.ChoiceField(choices=question.choices, widget=forms.RadioSelect, **common)
    if question.kind == questionnaires.MUST_BE_TRUE:
        return forms.BooleanField(required=True, **common)
    if question.kind == questionnaires.REGIONS:
        return forms.MultipleChoiceField(
            required=False,
            choices=question.choices,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.CharField(
        required=False,
        max_length=questionnaires.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        **common,
    )


class IntakeForm(forms.Form):
    """The back-health questionnaire (SPEC "Intake screening"), one field per question.

    `on`: the local day of the session, so dated answers (a recent surgery) are judged
    for it; without it (the admin and waitlist forms, whose day is another form's) the
    answers are only validated here and the service screens them. `today`: the clinic's
    date, so event dates in the future are refused."""

    def __init__(self, *args, on: dt.date | None = None, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on, self.today = on, today
        for question in questionnaires.QUESTIONS:
            self.fields[question.key] = _field_for(question)
            if question.asked_when:
                # static/js/intake-dates.js hides the date until the answer asks for it.
                trigger, value = question.asked_when
                self.fields[question.key].widget.attrs.update(
                    {
                        "data-asked-when": self.add_prefix(trigger),
                        "data-asked-value": _form_value(value),
                    }
                )
        self.helper = _helper(_("Continue"))
        self.helper.form_class = "intake-form"
        # The body-map questions draw the map beside their checkboxes (works without JS;
        # static/js/body-map.js makes the map itself tappable).
        self.helper.layout = Layout(
            *(
                Field(q.key, template="bookings/_body_map_field.html")
                if q.kind == questionnaires.REGIONS
                else q.key
                for q in questionnaires.QUESTIONS
            )
        )
        self.screening: screening.Screening | None = None

    @staticmethod
    def initial_from_answers(answers: dict[str, Any]) -> dict[str, Any]:
        """Form initial values from stored answers (going back a step keeps them)."""
        initial = {}
        for question in questionnaires.QUESTIONS:
            value = answers.get(question.key)
            if question.kind == questionnaires.BOOL and isinstance(value, bool):
                value = _form_value(value)
            if question.kind == questionnaires.DATE:
                value = screening.event_day(value) if _is_iso_day(value) else None
            if question.kind == questionnaires.CHOICE and value not in dict(question.choices):
                value = None  # an older version's answer (or none): asked afresh
            initial[question.key] = value
        return initial

    def answers(self) -> dict[str, Any]:
        data = {}
        for question in questionnaires.QUESTIONS:
            value = self.cleaned_data.get(question.key)
            if question.kind == questionnaires.BOOL:
                value = value == "yes"
            if question.kind == questionnaires.REGIONS:
                value = list(value or [])
            if question.kind == questionnaires.DATE:
                data[question.key] = value.isoformat() if value else None
                continue
            data[question.key] = value if value is not None else ""
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                if self.on is None:
                    screening.validate_answers(self.answers(), today=self.today)
                else:
                    self.screening = screening.screen(self.answers(), on=self.on, today=self.today)
            except screening.InvalidAnswers as error:
                for key, message in error.errors.items():
                    self.add_error(key if key in self.fields else None, message)
        return cleaned


def _form_value(answer: Any) -> str:
    """How an answer is sent by the form: yes/no for booleans, the choice key otherwise."""
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return str(answer)


def _is_iso_day(value: Any) -> bool:
    try:
        return screening.event_day(value) is not None
    except ValueError:
        return False


class DateForm(forms.Form):
    """The day the slot list starts on (the no-JavaScript date picker)."""

    date = forms.DateField(
        label=_("Show times from"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def clean_date(self) -> dt.date | None:
        return self.cleaned_data.get("date")
