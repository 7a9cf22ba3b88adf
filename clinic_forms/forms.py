"""The form a client fills in, built from one version's questions in their language."""

import base64
import binascii
import io

from django import forms
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from clinic_forms.models import ANSWER_MAX_LENGTH, QuestionKind

SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 300_000
NAME_FIELD = "signed_name"


def signature_png(value: str) -> bytes:
    """The drawn signature's PNG bytes; ValidationError when it is not a real, non-empty PNG."""
    if not value.startswith(SIGNATURE_PREFIX):
        raise forms.ValidationError(_("Please sign with your finger or mouse in the box."))
    try:
        data = base64.b64decode(value[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise forms.ValidationError(
            _("The signature could not be read; please sign again.")
        ) from error
    if len(data) > SIGNATURE_MAX_BYTES or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise forms.ValidationError(_("The signature could not be read; please sign again."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            drawn = image.convert("RGBA").getchannel("A").getbbox()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise forms.ValidationError(
            _("The signature could not be read; please sign again.")
        ) from error
    if drawn is None:
        raise forms.ValidationError(_("Please sign with your finger or mouse in the box."))
    return data


class SignatureField(forms.CharField):
    """A drawn signature, sent by static/js/signature.js as a PNG data URL; kept as base64."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages", {"required": _("Please sign with your finger or mouse in the box.")}
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        return base64.b64encode(signature_png(value)).decode()


CHECK = {"class": "form-check-input"}
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _field(question: dict) -> forms.Field:
    kind, label, required = question["kind"], question["label"], question["required"]
    common = {"label": label, "required": required}
    if kind == QuestionKind.TEXT:
        return forms.CharField(
            max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}), **common
        )
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=ANSWER_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            **common,
        )
    if kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            choices=question["choices"], widget=forms.RadioSelect(attrs=CHECK), **common
        )
    if kind == QuestionKind.CHOICES:
        return forms.MultipleChoiceField(
            choices=question["choices"], widget=forms.CheckboxSelectMultiple(attrs=CHECK), **common
        )
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect(attrs=CHECK), **common)
    if kind == QuestionKind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}), **common
        )
    if kind == QuestionKind.SIGNATURE:
        return SignatureField(**common)
    raise ValueError(f"Unknown question kind {kind!r}")


class AnswerForm(forms.Form):
    """One version's questions (`versions.text_of` in the client's language)."""

    def __init__(self, *args, questions: list[dict], signed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question["key"]] = _field(question)
        if signed:
            self.fields[NAME_FIELD] = forms.CharField(
                label=_("Type your full name"), max_length=200, required=True
            )

    def clean_signed_name(self):
        name = " ".join(self.cleaned_data[NAME_FIELD].split())
        if not name:
            raise forms.ValidationError(_("Please type your full name."))
        return name

    def answers(self) -> dict:
        """The answers as JSON-ready values (dates as ISO text), without empty optional ones."""
        out = {}
        for question in self.questions:
            value = self.cleaned_data.get(question["key"])
            if value in (None, "", []):
                continue
            out[question["key"]] = value.isoformat() if hasattr(value, "isoformat") else value
        return out

    def signature_fields(self) -> list[forms.BoundField]:
        return [self[q["key"]] for q in self.questions if q["kind"] == QuestionKind.SIGNATURE]
