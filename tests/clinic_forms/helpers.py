"""Forms built the way a manager builds them, and a phone's drawn signature."""

import base64
import io

from PIL import Image, ImageDraw

from clinic_forms.models import Form, FormAttachment, Frequency, Question, QuestionKind
from clinic_forms.versions import version_publish

EVERY_KIND = [
    (QuestionKind.TEXT, "Your occupation", "Su ocupación", "", ""),
    (QuestionKind.LONG_TEXT, "Anything else we should know?", "¿Algo más?", "", ""),
    (
        QuestionKind.CHOICE,
        "How did you hear of us?",
        "¿Cómo nos conoció?",
        "Friend\nWeb",
        "Amigo\nWeb",
    ),
    (QuestionKind.CHOICES, "Allergies", "Alergias", "Nuts\nLatex\nOils", "Nueces\nLátex\nAceites"),
    (QuestionKind.YES_NO, "First ashiatsu session?", "¿Primera sesión?", "", ""),
    (QuestionKind.DATE, "Date of birth", "Fecha de nacimiento", "", ""),
    (QuestionKind.SIGNATURE, "Signature", "Firma", "", ""),
]
WAIVER_TEXT = "I understand that ashiatsu is deep pressure applied by the therapist's feet."


def build_form(*, service, frequency=Frequency.FIRST, kinds=EVERY_KIND, health=False, **fields):
    form = Form.objects.create(
        name=fields.pop("name", "Waiver"),
        title_en=fields.pop("title_en", "Waiver and consent"),
        title_es="Exención y consentimiento",
        text_en=WAIVER_TEXT,
        text_es="Entiendo que el ashiatsu es presión profunda aplicada con los pies.",
        holds_health_data=health,
        **fields,
    )
    for position, (kind, en, es, choices_en, choices_es) in enumerate(kinds):
        Question.objects.create(
            form=form,
            position=position,
            kind=kind,
            label_en=en,
            label_es=es,
            choices_en=choices_en,
            choices_es=choices_es,
            required=kind != QuestionKind.LONG_TEXT,
        )
    if service is not None:
        FormAttachment.objects.create(form=form, service=service, frequency=frequency)
    version_publish(form)
    return form


def drawn_signature() -> str:
    """A PNG data URL with a stroke on it, as signature_pad sends it."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (290, 15)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def blank_signature() -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def answers_posted(form, *, signed_name="Ada Client", **overrides) -> dict:
    """Posted answers to every question of the form's draft (choices by their index)."""
    posted = {}
    for question in form.questions.all():
        key = f"q{question.pk}"
        posted[key] = {
            QuestionKind.TEXT: "Teacher",
            QuestionKind.LONG_TEXT: "Left shoulder is stiff",
            QuestionKind.CHOICE: "1",
            QuestionKind.CHOICES: ["0", "2"],
            QuestionKind.YES_NO: "yes",
            QuestionKind.DATE: "1990-05-17",
            QuestionKind.SIGNATURE: drawn_signature(),
        }[question.kind]
    posted["signed_name"] = signed_name
    posted.update(overrides)
    return posted
