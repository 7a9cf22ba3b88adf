"""A signed form (a waiver): the content's SHA-256, the PDF, sealed storage and the e-mail.

When a client signs (a form with a signature question), what they signed is fixed as data:
the version's exact text in the language they read, their answers, the typed name, the day
and the drawn signature. `content_digest` is the SHA-256 of that content written canonically
(sorted JSON); it is stored on the response and printed in the PDF, so anyone holding the
PDF and the clinic's record can check that neither changed (`response_verify`).

The PDF (WeasyPrint, `templates/clinic_forms/signed_pdf.html`: the text, the answers, the
signature image, the name, the date and the digest) is sealed with AES-GCM
(`outbox.sealing`, the clearance letters' way) under `CLINIC_FORMS_ROOT`, a private folder no
URL serves; its own SHA-256 is stored too. A copy goes to the client through the outbox.
"""

import base64
import hashlib
import json
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from clinic_forms.models import FormResponse, QuestionKind
from clinic_forms.versions import text_of
from outbox.render import clinic_context, render_message
from outbox.sealing import open_bytes, seal_bytes
from outbox.services import email_queue

SEAL_PURPOSE = "clinic_forms.signed-form"
SIGNED_FORM = "signed_form"


class PrivateStorage(FileSystemStorage):
    """Files no URL serves: `url()` refuses, so no template can link one."""

    def url(self, name):
        raise ValueError("Signed forms have no public URL; link the staff view instead.")


def pdf_storage() -> PrivateStorage:
    return PrivateStorage(location=settings.CLINIC_FORMS_ROOT)


def answer_display(question: dict, value) -> str:
    """An answer as the client saw it (choice labels, yes/no), in the version's words."""
    if value in (None, "", []):
        return ""
    if question["kind"] == QuestionKind.SIGNATURE:
        return gettext("(signed)")
    if question["kind"] == QuestionKind.YES_NO:
        return gettext("Yes") if value == "yes" else gettext("No")
    labels = dict(question.get("choices", ()))
    if question["kind"] == QuestionKind.CHOICES:
        return ", ".join(labels.get(v, v) for v in value)
    if question["kind"] == QuestionKind.CHOICE:
        return labels.get(value, value)
    return str(value)


def response_rows(response: FormResponse) -> list[tuple[str, str]]:
    """(question, answer) pairs with the questions of the response's own version."""
    with translation.override(response.language):
        content = text_of(response.version.content, response.language)
        return [
            (q["label"], answer_display(q, response.answers.get(q["key"])))
            for q in content["questions"]
        ]


def _signatures(response: FormResponse) -> list[str]:
    return [
        response.answers[q["key"]]
        for q in response.version.content["questions"]
        if q["kind"] == QuestionKind.SIGNATURE and response.answers.get(q["key"])
    ]


def content_digest(response: FormResponse) -> str:
    """SHA-256 (hex) of what was signed: form, version, language, the exact text, the
    answers, the typed name, the day and each signature image's own SHA-256."""
    content = text_of(response.version.content, response.language)
    document = {
        "form": response.version.form_id,
        "version": response.version.number,
        "language": response.language,
        "title": content["title"],
        "text": content["text"],
        "answers": [
            [q["label"], response.answers.get(q["key"])]
            for q in content["questions"]
            if q["kind"] != QuestionKind.SIGNATURE
        ],
        "signed_name": response.signed_name,
        "signed_on": response.signed_on.isoformat() if response.signed_on else None,
        "signatures": [
            hashlib.sha256(base64.b64decode(s)).hexdigest() for s in _signatures(response)
        ],
    }
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def signed_pdf(response: FormResponse) -> bytes:
    from weasyprint import HTML  # imported on use: loading Pango costs ~0.3 s

    with translation.override(response.language):
        content = text_of(response.version.content, response.language)
        html = render_to_string(
            "clinic_forms/signed_pdf.html",
            {
                **clinic_context(),
                "response": response,
                "title": content["title"],
                "text": content["text"],
                "rows": [
                    row
                    for row, q in zip(response_rows(response), content["questions"], strict=True)
                    if q["kind"] != QuestionKind.SIGNATURE
                ],
                "signatures": _signatures(response),
                "digest": response.content_sha256,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def response_seal(response: FormResponse) -> None:
    """Fix the digest, write the sealed PDF and queue its e-mail (once the caller commits)."""
    response.content_sha256 = content_digest(response)
    pdf = signed_pdf(response)
    storage = pdf_storage()
    name = storage.save(
        f"{secrets.token_hex(16)}.sealed", ContentFile(seal_bytes(pdf, purpose=SEAL_PURPOSE))
    )
    response.pdf_file, response.pdf_sha256 = name, hashlib.sha256(pdf).hexdigest()
    response.save(update_fields=["content_sha256", "pdf_file", "pdf_sha256"])
    if response.client.email:
        email_queue(
            kind=SIGNED_FORM,
            builder=signed_form_email,
            params={"response": response.pk},
            language=response.language,
        )


def response_pdf(response: FormResponse) -> bytes:
    """The stored PDF, opened; LookupError when there is none (or its file is gone)."""
    if not response.pdf_file:
        raise LookupError("This response has no signed PDF.")
    try:
        with pdf_storage().open(response.pdf_file, "rb") as handle:
            sealed = handle.read()
    except FileNotFoundError as missing:
        raise LookupError("The signed PDF's file is missing.") from missing
    return open_bytes(sealed, purpose=SEAL_PURPOSE)


def response_verify(response: FormResponse) -> bool:
    """Whether the stored content still hashes to the signed digest and the stored PDF is
    the one written at signing."""
    if not response.content_sha256 or content_digest(response) != response.content_sha256:
        return False
    try:
        pdf = response_pdf(response)
    except LookupError:
        return False
    return hashlib.sha256(pdf).hexdigest() == response.pdf_sha256


def pdf_filename(response: FormResponse) -> str:
    return f"signed-form-{response.pk}.pdf"


def signed_form_email(params: dict, *, secret: str = "") -> EmailMultiAlternatives | None:
    response = (
        FormResponse.objects.select_related("version__form", "client")
        .filter(pk=params["response"], erased_at__isnull=True)
        .first()
    )
    if response is None:
        return None  # erased meanwhile
    title = text_of(response.version.content, response.language)["title"]
    subject = gettext("Your signed copy of %(title)s from %(clinic)s") % {
        "title": title,
        "clinic": settings.CLINIC_NAME,
    }
    message = render_message(
        SIGNED_FORM,
        {"response": response, "title": title, "digest": response.content_sha256},
        subject=subject,
        to=[response.client.email],
    )
    message.attach(pdf_filename(response), response_pdf(response), "application/pdf")
    return message
