"""The intake questionnaire as a form. It describes shape; the rules live in `screening`.

The intake form is generated from `questionnaires.QUESTIONS`, so a question added there appears
here, in the API and in the stored answers at once. Yes/no questions are radio buttons with no
default: "every answer is required" means the client must actively answer each one.
"""

import datetime as dt
from typing import Any

from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import submit_helper
from health import questionnaires, screening

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


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
        self.helper = submit_helper(_("Continue"))
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
