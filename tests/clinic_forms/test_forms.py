"""The clinic's own forms: built and versioned by the manager, answered in the booking flow,
kept on the client record under the read rules; signed forms sealed, hashed and e-mailed."""

import hashlib
import io

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from accounts.session import SESSION_KEY
from clients.models import Client
from clinic_forms import signing
from clinic_forms.models import (
    Form,
    FormResponse,
    FormResponseAccess,
    FormVersion,
    Frequency,
    QuestionKind,
)
from clinic_forms.record import record_section
from clinic_forms.responses import read_response, response_save
from clinic_forms.versions import forms_due, version_publish
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import CONTACT, flow_urls, form_answers
from tests.clinic_forms.helpers import (
    EVERY_KIND,
    WAIVER_TEXT,
    answers_posted,
    blank_signature,
    build_form,
)
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commit_hooks(django_capture_on_commit_callbacks, monkeypatch):
    """Run each request's on-commit work (the outbox) as the request finishes."""
    from django.test import Client as TestClient

    original = TestClient.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(TestClient, "request", request)


@pytest.fixture(autouse=True)
def _private_folder(settings, tmp_path):
    settings.CLINIC_FORMS_ROOT = tmp_path / "signed-forms"


def sign_in(web, record: Client) -> None:
    session = web.session
    session[SESSION_KEY] = {"id": record.pk, "email": record.email.lower()}
    session.save()


def to_forms(web, start):
    """Intake answered: where the flow goes next."""
    urls = flow_urls()
    assert web.get(urls["intake"], {"start": start.isoformat()}).status_code == 200
    response = web.post(urls["intake"], form_answers())
    assert response.status_code == 302
    return response["Location"]


def book_after_forms(web):
    urls = flow_urls()
    assert web.post(urls["contact"], CONTACT).status_code == 302
    response = web.post(urls["review"])
    assert response.status_code == 302 and "/manage/" in response["Location"]


# --- The manager builds a form --------------------------------------------------------------


def admin_post(form_fields: dict, questions: list[dict], attachments: list[dict], pk=None):
    data = {**form_fields}
    for prefix, rows, initial in (
        ("questions", questions, sum(1 for q in questions if q.get("id"))),
        ("attachments", attachments, sum(1 for a in attachments if a.get("id"))),
        ("versions", [], 0),
    ):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for n, row in enumerate(rows):
            data |= {f"{prefix}-{n}-{key}": value for key, value in row.items()}
    if pk is None:
        return reverse("admin:clinic_forms_form_add"), data
    return reverse("admin:clinic_forms_form_change", args=[pk]), data


FORM_FIELDS = {
    "name": "Intake extras",
    "title_en": "About you",
    "title_es": "Sobre usted",
    "text_en": "A few questions before your first session.",
    "text_es": "Unas preguntas antes de su primera sesión.",
    "ask_when": "booking",
    "active": "on",
}


def question_rows(form=None, **label_overrides):
    rows = []
    existing = list(form.questions.all()) if form else []
    for n, (kind, en, es, choices_en, choices_es) in enumerate(EVERY_KIND):
        row = {
            "position": str(n),
            "kind": kind,
            "required": "on",
            "label_en": label_overrides.get(en, en),
            "label_es": es,
            "choices_en": choices_en,
            "choices_es": choices_es,
        }
        if existing:
            row |= {"id": str(existing[n].pk), "form": str(form.pk)}
        rows.append(row)
    return rows


class TestTheManagersFormBuilder:
    def test_every_question_type_attached_to_bar_therapy_first_visit_only(
        self, client, clinic, manager
    ):
        client.force_login(manager)
        url, data = admin_post(
            FORM_FIELDS,
            question_rows(),
            [{"service": str(clinic.bar_60.pk), "frequency": Frequency.FIRST}],
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        form = Form.objects.get()
        version = form.versions.get()
        assert version.number == 1
        assert [q["kind"] for q in version.content["questions"]] == [k[0] for k in EVERY_KIND]
        assert version.content["questions"][3]["choices"][1] == {
            "value": "1",
            "en": "Latex",
            "es": "Látex",
        }
        assert form.attachments.get().frequency == Frequency.FIRST

        # Editing makes a new version; saving without a change makes none.
        url, data = admin_post(
            FORM_FIELDS,
            question_rows(form, **{"Your occupation": "Your work"}),
            [
                {
                    "id": str(form.attachments.get().pk),
                    "form": str(form.pk),
                    "service": str(clinic.bar_60.pk),
                    "frequency": Frequency.FIRST,
                }
            ],
            pk=form.pk,
        )
        assert client.post(url, data).status_code == 302
        assert client.post(url, data).status_code == 302
        assert list(form.versions.values_list("number", flat=True)) == [2, 1]
        assert FormVersion.objects.get(number=1).content["questions"][0]["label"]["en"] == (
            "Your occupation"
        )

    def test_a_choice_question_without_choices_is_refused_clearly(self, client, clinic, manager):
        client.force_login(manager)
        rows = question_rows()
        rows[2]["choices_en"] = ""
        url, data = admin_post(FORM_FIELDS, rows, [])
        response = client.post(url, data)
        assert response.status_code == 200 and "Give the choices" in response.content.decode()
        assert not Form.objects.exists()

    @pytest.mark.parametrize("who", ["front_desk", "therapist_user"])
    def test_only_the_manager_builds_forms(self, client, clinic, who, request):
        client.force_login(request.getfixturevalue(who))
        assert client.get(reverse("admin:clinic_forms_form_add")).status_code in (302, 403)


# --- In the booking flow ----------------------------------------------------------------------


class TestAnsweringInTheBookingFlow:
    def test_a_new_client_answers_after_the_safety_questionnaire(self, client, clinic):
        form = build_form(service=clinic.bar_60)
        step = to_forms(client, local_time(3, 10))
        assert step.startswith("/forms/book/")
        page = client.get(step).content.decode()
        assert "Waiver and consent" in page and "How did you hear of us?" in page
        assert "signature_pad.umd.min.js" in page and "<script>" not in page
        # The details screen sends the client back while the form is pending.
        assert client.get(flow_urls()["contact"])["Location"] == step
        response = client.post(step, answers_posted(form))
        assert response["Location"] == flow_urls()["contact"]
        book_after_forms(client)

        answer = FormResponse.objects.get()
        assert answer.client.email == CONTACT["email"]
        assert answer.answers[f"q{form.questions.all()[3].pk}"] == ["0", "2"]
        assert answer.signed_name == "Ada Client" and answer.signed_on is not None

    def test_missing_answers_and_a_blank_signature_are_refused_with_a_400(self, client, clinic):
        form = build_form(service=clinic.bar_60)
        step = to_forms(client, local_time(3, 10))
        signature = f"q{form.questions.get(kind=QuestionKind.SIGNATURE).pk}"
        posted = answers_posted(form, **{signature: blank_signature(), "signed_name": " "})
        posted.pop(f"q{form.questions.get(kind=QuestionKind.CHOICE).pk}")
        response = client.post(step, posted)
        page = response.content.decode()
        assert response.status_code == 400
        assert "Please sign with your finger or mouse in the box." in page
        assert "error-summary" in page
        response = client.post(
            step, answers_posted(form, **{signature: "data:image/png;base64,!!"})
        )
        assert response.status_code == 400

    def test_a_returning_client_is_not_asked_a_first_visit_form_again(self, client, clinic):
        form = build_form(service=clinic.bar_60, kinds=EVERY_KIND[:6])  # not signed
        record = ClientFactory(email="ada@example.com")
        response_save(version=form.versions.get(), client=record, answers={}, language="en")
        sign_in(client, record)
        assert to_forms(client, local_time(3, 10)) == flow_urls()["contact"]
        # A new version of an unsigned first-visit form does not ask again either.
        form.questions.update(label_en="Changed")
        assert version_publish(form).number == 2
        assert forms_due(service=clinic.bar_60, client=record) == []

    def test_every_booking_and_yearly_forms_ask_as_they_say(self, clinic, time_machine):
        record = ClientFactory()
        every = build_form(service=clinic.bar_60, frequency=Frequency.EVERY, kinds=EVERY_KIND[:1])
        yearly = build_form(
            service=clinic.bar_60, frequency=Frequency.YEARLY, kinds=EVERY_KIND[:1], name="Yearly"
        )
        for form in (every, yearly):
            response_save(version=form.versions.get(), client=record, answers={}, language="en")
        assert [d.form for d in forms_due(service=clinic.bar_60, client=record)] == [every]
        assert forms_due(service=clinic.floor_60, client=record) == []
        time_machine.move_to("2028-01-01")
        assert {d.form for d in forms_due(service=clinic.bar_60, client=record)} == {
            every,
            yearly,
        }

    def test_the_form_reads_in_spanish(self, client, clinic):
        build_form(service=clinic.bar_60)
        client.cookies["django_language"] = "es"
        step = to_forms(client, local_time(3, 10))
        page = client.get(step, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Exención y consentimiento" in page and "Alergias" in page and "Látex" in page

    def test_a_before_the_visit_form_is_not_in_the_flow_but_behind_the_link(self, client, clinic):
        from clinic_forms.visit_links import visit_link

        form = build_form(service=clinic.bar_60, ask_when="before_visit", kinds=EVERY_KIND[:2])
        assert to_forms(client, local_time(3, 10)) == flow_urls()["contact"]
        appointment = AppointmentFactory(service=clinic.bar_60)
        link = visit_link(appointment)
        assert "About" not in client.get(link).content.decode()
        assert client.post(link, answers_posted(form)).status_code == 302
        assert FormResponse.objects.get().appointment == appointment
        assert "nothing more to fill in" in client.get(link).content.decode()
        assert client.get(link[:-3] + "xyz/").status_code == 404

    def test_the_confirmation_page_and_email_link_to_a_before_the_visit_form(self, client, clinic):
        build_form(service=clinic.bar_60, ask_when="before_visit", kinds=EVERY_KIND[:2])
        to_forms(client, local_time(3, 10))
        urls = flow_urls()
        client.post(urls["contact"], CONTACT)
        confirmation = client.post(urls["review"], follow=True).content.decode()
        assert "Before your visit, please fill in:" in confirmation
        assert "/forms/visit/" in confirmation and "Forms: Waiver and consent" in confirmation
        [email] = [m for m in mail.outbox if m.to == [CONTACT["email"]]]
        assert "/forms/visit/" in email.body


# --- Signed forms: the waiver ---------------------------------------------------------------


class TestSignedWaiver:
    def test_the_pdf_is_stored_sealed_emailed_and_its_hash_verifies(self, client, clinic):
        form = build_form(service=clinic.bar_60)
        client.post(to_forms(client, local_time(3, 10)), answers_posted(form))
        book_after_forms(client)
        answer = FormResponse.objects.get()
        assert len(answer.content_sha256) == 64 and answer.pdf_file.endswith(".sealed")
        stored = signing.pdf_storage().open(answer.pdf_file, "rb").read()
        assert b"%PDF" not in stored  # sealed at rest
        pdf = signing.response_pdf(answer)
        assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == answer.pdf_sha256
        assert signing.response_verify(answer)
        # The PDF holds the exact text, the typed name, the digest and the signature image.
        page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
        text = " ".join(page.extract_text().split())
        assert WAIVER_TEXT in text and "Signed by: Ada Client" in text
        assert answer.content_sha256 in text and list(page["/Resources"]["/XObject"])
        [message] = [m for m in mail.outbox if "Waiver and consent" in m.subject]
        assert message.to == [CONTACT["email"]]
        assert answer.content_sha256 in message.body
        name, attached, kind = message.attachments[0]
        assert kind == "application/pdf" and attached == pdf

    def test_a_changed_answer_or_pdf_no_longer_verifies(self, clinic):
        form = build_form(service=clinic.bar_60)
        record = ClientFactory()
        answers = {f"q{q.pk}": "x" for q in form.questions.exclude(kind=QuestionKind.SIGNATURE)}
        sig = form.questions.get(kind=QuestionKind.SIGNATURE)
        answers[f"q{sig.pk}"] = answers_posted(form)[f"q{sig.pk}"].split(",", 1)[1]
        answer = response_save(
            version=form.versions.get(),
            client=record,
            answers=answers,
            language="en",
            signed_name="Ada",
        )
        assert signing.response_verify(answer)
        answer.signed_name = "Someone else"
        assert not signing.response_verify(answer)
        answer.refresh_from_db()
        answer.pdf_sha256 = "0" * 64
        assert not signing.response_verify(answer)

    def test_a_new_waiver_version_asks_a_returning_client_to_sign_again(self, client, clinic):
        form = build_form(service=clinic.bar_60)
        record = ClientFactory(email="ada@example.com")
        sign_in(client, record)
        client.post(to_forms(client, local_time(3, 10)), answers_posted(form))
        book_after_forms(client)
        assert FormResponse.objects.get().client == record
        assert to_forms(client, local_time(4, 10)) == flow_urls()["contact"]  # signed: not again
        form.text_en = "New wording of the waiver."
        form.save()
        assert version_publish(form).number == 2
        step = to_forms(client, local_time(4, 10))
        assert (
            step.startswith("/forms/book/") and "New wording" in client.get(step).content.decode()
        )


# --- On the client record -------------------------------------------------------------------


class TestOnTheClientRecord:
    def test_old_answers_show_with_their_own_versions_questions(self, clinic, manager):
        form = build_form(service=clinic.bar_60, kinds=EVERY_KIND[:3])
        record = ClientFactory()
        first = form.questions.first()
        old = response_save(
            version=form.versions.get(),
            client=record,
            answers={f"q{first.pk}": "Teacher"},
            language="en",
        )
        first.label_en = "Your work today"
        first.save()
        version_publish(form)
        assert read_response(user=manager, response=old, where="test")[0] == (
            "Your occupation",
            "Teacher",
        )
        html = record_section(manager, record, [])
        assert "Your occupation" in html and "Your work today" not in html

    def test_health_answers_follow_the_health_rules_and_each_read_is_logged(
        self, client, clinic, manager, front_desk
    ):
        form = build_form(service=clinic.bar_60, kinds=EVERY_KIND[:1], health=True)
        record = ClientFactory()
        response_save(
            version=form.versions.get(),
            client=record,
            answers={f"q{form.questions.get().pk}": "Epilepsy"},
            language="en",
        )
        assert "Epilepsy" not in record_section(front_desk, record, [])
        assert not FormResponseAccess.objects.exists()
        assert "Epilepsy" in record_section(manager, record, [])
        assert FormResponseAccess.objects.get().user == manager

    def test_the_signed_pdf_is_for_readers_only(self, client, clinic, manager, front_desk):
        form = build_form(service=clinic.bar_60, health=True)
        record = ClientFactory()
        sig = form.questions.get(kind=QuestionKind.SIGNATURE)
        answer = response_save(
            version=form.versions.get(),
            client=record,
            language="en",
            signed_name="Ada",
            answers={f"q{sig.pk}": answers_posted(form)[f"q{sig.pk}"].split(",", 1)[1]},
        )
        url = reverse("clinic_forms:signed_pdf", args=[answer.pk])
        assert client.get(url).status_code == 403
        client.force_login(front_desk)
        assert client.get(url).status_code == 403
        client.force_login(manager)
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert FormResponseAccess.objects.filter(user=manager, where="signed form PDF").exists()

    def test_the_client_record_page_shows_the_forms_section_by_role(
        self, client, clinic, manager, front_desk
    ):
        form = build_form(service=clinic.bar_60, kinds=EVERY_KIND[:1], health=True)
        record = ClientFactory()
        response_save(
            version=form.versions.get(),
            client=record,
            answers={f"q{form.questions.get().pk}": "Epilepsy"},
            language="en",
        )
        url = reverse("admin:clients_client_change", args=[record.pk])
        client.force_login(front_desk)
        page = client.get(url).content.decode()
        assert "Waiver" in page and "Epilepsy" not in page
        client.force_login(manager)
        assert "Epilepsy" in client.get(url).content.decode()
        assert FormResponseAccess.objects.get().where == "admin: client record page"
