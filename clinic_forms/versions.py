"""Publishing a form as a version, and which forms a booking asks for.

The rules, in one place (the admin, the booking step and the before-visit link call them):

- **Publishing** (`version_publish`): the form as it stands (title, text, questions) is
  frozen into a new `FormVersion` when it differs from the latest one; nothing is written
  when it does not. An answered version is therefore never changed under its answers.
- **Due** (`forms_due`): a service's attached, active forms that a client has still to
  answer for a booking: every booking; the first visit only (once per client); yearly (again
  a year after the last answer). A signed form (one with a signature question) is also due
  again when a newer version was published: a signature covers the text it was given to.
  A client we do not know yet (not signed in) is asked every form.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bookings.models import Service
from clients.models import Client
from clinic_forms.models import (
    CHOICE_KINDS,
    AskWhen,
    Form,
    FormAttachment,
    FormResponse,
    FormVersion,
    Frequency,
)

YEAR = dt.timedelta(days=365)
LANGUAGES = ("en", "es")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def form_content(form: Form) -> dict:
    """The form as clients would see it now, as plain data (both languages)."""
    questions = []
    for question in form.questions.order_by("position", "id"):
        entry = {
            "key": f"q{question.pk}",
            "kind": question.kind,
            "required": question.required,
            "label": {"en": question.label_en, "es": question.label_es or question.label_en},
        }
        if question.kind in CHOICE_KINDS:
            english, spanish = _lines(question.choices_en), _lines(question.choices_es)
            entry["choices"] = [
                {"value": str(n), "en": text, "es": spanish[n] if n < len(spanish) else text}
                for n, text in enumerate(english)
            ]
        questions.append(entry)
    return {
        "title": {"en": form.title_en, "es": form.title_es or form.title_en},
        "text": {"en": form.text_en, "es": form.text_es or form.text_en},
        "questions": questions,
    }


def latest_version(form: Form) -> FormVersion | None:
    return form.versions.order_by("-number").first()


def version_publish(form: Form, *, by=None) -> FormVersion | None:
    """Freeze the form into a new version if it changed; the new version, or None."""
    with transaction.atomic():
        Form.objects.select_for_update().filter(pk=form.pk).first()  # one publisher at a time
        content = form_content(form)
        latest = latest_version(form)
        if latest is not None and latest.content == content:
            return None
        return FormVersion.objects.create(
            form=form,
            number=(latest.number + 1) if latest else 1,
            content=content,
            published_by=by if by is not None and by.is_authenticated else None,
        )


@dataclass(frozen=True)
class Due:
    form: Form
    version: FormVersion
    frequency: str


def _is_due(frequency: str, version: FormVersion, last: FormResponse | None, now) -> bool:
    if last is None or frequency == Frequency.EVERY:
        return True
    if version.is_signed and last.version_id != version.pk:
        return True  # a new text to sign
    return frequency == Frequency.YEARLY and now - last.submitted_at >= YEAR


def forms_due(
    *,
    service: Service,
    client: Client | None,
    ask_when: str = AskWhen.BOOKING,
    now: dt.datetime | None = None,
) -> list[Due]:
    """The forms this booking asks for, in the order of their names."""
    now = now or timezone.now()
    attachments = (
        FormAttachment.objects.filter(service=service, form__active=True, form__ask_when=ask_when)
        .select_related("form")
        .order_by("form__name", "form_id")
    )
    due = []
    for attachment in attachments:
        version = latest_version(attachment.form)
        if version is None or not version.content["questions"]:
            continue
        last = None
        if client is not None:
            last = (
                FormResponse.objects.filter(
                    client=client, version__form=attachment.form, erased_at__isnull=True
                )
                .select_related("version")
                .first()
            )
        if _is_due(attachment.frequency, version, last, now):
            due.append(Due(attachment.form, version, attachment.frequency))
    return due


def text_of(content: dict, language: str) -> dict:
    """A version's title, text and questions in one language (English when not offered)."""
    language = language if language in LANGUAGES else "en"
    return {
        "title": content["title"][language],
        "text": content["text"][language],
        "questions": [
            {
                **q,
                "label": q["label"][language],
                "choices": [(c["value"], c[language]) for c in q.get("choices", ())],
            }
            for q in content["questions"]
        ],
    }
