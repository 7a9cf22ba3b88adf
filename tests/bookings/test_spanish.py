"""English and Spanish (issue 15): the language a client reads, and the one their mail uses.

Pages follow the switcher's cookie, else `Accept-Language`, else English. A booking keeps the
language it was made in, and every e-mail about it (the confirmation on commit, the reminder
the worker writes a day ahead) is written in it, while the therapist's copy stays English.
"""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from bookings.models import Appointment
from bookings.reminders import reminders_send_due
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import (
    CONTACT,
    _commit_hooks,  # noqa: F401 (autouse fixture)
    flow_urls,
    form_answers,
    go_through,
)

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9,en;q=0.5"}


@pytest.fixture
def spanish(client):
    """A visitor whose browser asks for Spanish."""
    client.defaults.update(SPANISH)
    return client


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


class TestPagesFollowTheVisitorsLanguage:
    def test_english_is_the_default(self, client, clinic):
        home = page(client, "/")
        assert '<html lang="en">' in home and "Who should not book" in home

    def test_accept_language_es_gives_spanish_pages(self, spanish, clinic):
        home = page(spanish, "/")
        assert '<html lang="es">' in home
        assert "Quién no debe reservar" in home and "Who should not book" not in home
        slots = page(spanish, flow_urls()["choose_slot"])
        assert "Elija un día y una hora" in slots and "hora de New York" in slots

    def test_a_language_the_clinic_does_not_write_falls_back_to_english(self, client, clinic):
        assert "Who should not book" in page(client, "/", HTTP_ACCEPT_LANGUAGE="fr")

    def test_the_switcher_sets_the_language_and_returns_to_the_page(self, client, clinic):
        home = page(client, "/book/")
        assert 'name="language" value="es"' in home and 'lang="es"' in home  # named in Spanish
        response = client.post(reverse("set_language"), {"language": "es", "next": "/book/"})
        assert response.status_code == 302 and response["Location"] == "/book/"
        # The cookie wins over the browser's own preference.
        assert "Elija una sesión" in page(client, "/book/", HTTP_ACCEPT_LANGUAGE="en")
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert "Choose a session" in page(client, "/book/")

    def test_the_switcher_refuses_an_outside_next_address(self, client, clinic):
        response = client.post(
            reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
        )
        assert response.status_code == 302 and response["Location"] == "/"

    def test_the_intake_its_choices_and_its_errors_are_spanish(self, spanish, clinic):
        urls = flow_urls()
        start = local_time(2, 10)
        intake = page(spanish, urls["intake"], start=start.isoformat())
        assert "¿Está embarazada, o lo ha estado en las últimas 12 semanas?" in intake
        assert "Sí, hace más de 12 meses" in intake and "Tengo 18 años o más." in intake
        response = spanish.post(urls["intake"], {})
        assert response.status_code == 400
        text = response.content.decode()
        assert "Falta responder" in text and "Este campo es obligatorio." in text

    def test_dates_use_spanish_day_and_month_names(self, spanish, clinic):
        start = local_time(2, 15, 30)
        text = page(spanish, flow_urls()["intake"], start=start.isoformat())
        with translation.override("es"):
            day = translation.gettext("l j F")
        assert day == r"l j \d\e F"
        spanish_day = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"][
            start.weekday()
        ]
        assert f"{spanish_day} {start.day} de " in text and "3:30 p.m." in text

    def test_the_declined_page_gives_the_screening_reason_in_spanish(self, spanish, clinic):
        declined = go_through(spanish, local_time(2, 10), form_answers(osteoporosis=True))
        text = declined.content.decode()
        assert "Con osteoporosis u osteopenia, los huesos pueden romperse" in text
        assert "bones can break" not in text


class TestMailFollowsTheBooking:
    def test_a_spanish_booking_through_the_pages_sends_a_spanish_confirmation(
        self, spanish, clinic
    ):
        start = local_time(3, 14)
        response = go_through(spanish, start)
        assert response.status_code == 302
        appointment = Appointment.objects.get()
        assert appointment.language == "es"
        (message,) = [m for m in mail.outbox if m.to == [CONTACT["email"]]]
        assert message.subject == f"Su sesión de Ashiatsu está reservada ({appointment.reference})"
        body = message.body
        assert "Su sesión de Ashiatsu está reservada." in body
        assert "Cuándo:" in body and "Terapeuta:" in body and "2:00 p.m." in body
        html = message.alternatives[0][0]
        assert '<html lang="es">' in html and "Vea, cambie o cancele su reserva" in html
        # The therapist's copy of the same booking stays English.
        (staff,) = [m for m in mail.outbox if m.to != [CONTACT["email"]]]
        assert "New session" in staff.subject and "Hello" in staff.body
        # The confirmation page is Spanish too.
        manage = page(spanish, response["Location"])
        assert "Su reserva está hecha" in manage and "Qué ponerse y qué traer" in manage

    def test_an_english_booking_mails_in_english_on_the_12_hour_clock(self, client, clinic):
        go_through(client, local_time(3, 14))
        assert Appointment.objects.get().language == "en"
        (message,) = [m for m in mail.outbox if m.to == [CONTACT["email"]]]
        assert message.subject.startswith("Your Ashiatsu session is booked")
        assert "2:00 PM" in message.body and "14:00" not in message.body

    def test_a_pending_review_mail_gives_the_reasons_in_spanish(self, spanish, clinic):
        go_through(spanish, local_time(3, 10), form_answers(disc_condition=True))
        (message,) = [m for m in mail.outbox if m.to == [CONTACT["email"]]]
        assert "Con un problema de disco, nuestro personal clínico" in message.body
        # The record keeps the clinic's English wording for staff.
        assert Appointment.objects.get().intake.reasons == [
            "A disc condition needs our clinical staff to review your booking first."
        ]

    def test_the_workers_reminder_for_a_spanish_client_is_spanish(self, clinic, settings):
        settings.RECONFIRM_DAYS_BEFORE = 365  # only the day-before reminder (see its own tests)
        appointment = booking_create(
            service=clinic.bar_60,
            therapist=clinic.therapists[0],
            start=local_time(3, 10),
            client=ClientDetails(**CONTACT),
            answers=clear_answers(),
            language="es",
        ).appointment
        mail.outbox.clear()
        due = appointment.start - dt.timedelta(hours=24)
        # The worker runs outside any request, in the clinic's default language.
        with translation.override("en"):
            assert reminders_send_due(now=due) == 1
            emails_deliver_due(now=due)  # the confirmation, the therapist's copy, the reminder
            assert translation.get_language() == "en"  # nothing leaked out of the builders
        by_subject = {m.subject.split(" ")[0]: m for m in mail.outbox}
        assert set(by_subject) == {"Su", "New", "Recordatorio:"}
        message = by_subject["Recordatorio:"]
        assert message.subject.startswith("Recordatorio: su sesión de Ashiatsu el ")
        assert "Le recordamos su sesión de Ashiatsu: " in message.body
        assert "10:00 a.m." in message.body and "Llegue 10 minutos antes" in message.body

    def test_the_api_keeps_the_language_of_accept_language(self, client, clinic):
        payload = {
            "service": clinic.bar_60.slug,
            "therapist": "any",
            "start": local_time(3, 11).isoformat(),
            "client": CONTACT,
            "intake": clear_answers(),
        }
        response = client.post("/api/bookings", payload, content_type="application/json", **SPANISH)
        assert response.status_code == 201, response.content
        assert Appointment.objects.get().language == "es"


class TestAnyTherapistIsNamedBeforeBooking:
    def test_the_details_screen_names_the_therapist_shown_with_the_time(self, client, clinic):
        urls = flow_urls()
        start = local_time(2, 10)
        slots = page(client, urls["choose_slot"], date=start.date().isoformat())
        assert start.isoformat() in slots
        client.get(urls["intake"], {"start": start.isoformat()})
        client.post(urls["intake"], form_answers())
        details = page(client, urls["contact"])
        shown = client.session["booking_draft"]["shown_therapist"]
        therapist = next(t for t in clinic.therapists + [clinic.floor_only] if t.slug == shown)
        assert therapist.display_name in details
        assert reverse("bookings:therapist", args=[shown]) in details
        assert "your confirmation names them" not in details

    def test_the_confirmation_says_so_when_someone_else_was_assigned(self, client, clinic):
        urls = flow_urls()
        start = local_time(2, 10)
        client.get(urls["intake"], {"start": start.isoformat()})
        client.post(urls["intake"], form_answers())
        client.post(urls["contact"], CONTACT)
        shown = client.session["booking_draft"]["shown_therapist"]
        taken = next(t for t in clinic.therapists if t.slug == shown)
        # Someone books the shown therapist at that time before this client commits.
        booking_create(
            service=clinic.bar_60,
            therapist=taken,
            start=start,
            client=ClientDetails(name="Other", email="o@example.com", phone="+1 212 555 0100"),
            answers=clear_answers(),
        )
        response = client.post(urls["review"])
        assert response.status_code == 302
        mine = Appointment.objects.get(client__email=CONTACT["email"])
        assert mine.therapist != taken
        manage = page(client, response["Location"])
        assert "no longer free" in manage and mine.therapist.display_name in manage


class TestOtherClientMail:
    def test_a_sign_in_link_asked_for_on_a_spanish_page_comes_in_spanish(self, spanish, clinic):
        from tests.factories import ClientFactory

        ClientFactory(name="Ada Lovelace", email="ada@example.com")
        response = spanish.post(reverse("accounts:sign_in"), {"email": "ada@example.com"})
        assert response.status_code == 302
        (message,) = mail.outbox
        assert message.subject == "Su enlace para iniciar sesión"
        assert "Abra este enlace en los próximos" in message.body
        assert "Revise su correo" in page(spanish, response["Location"])

    def test_an_english_sign_in_link_stays_english(self, client, clinic):
        from tests.factories import ClientFactory

        ClientFactory(name="Ada Lovelace", email="ada@example.com")
        client.post(reverse("accounts:sign_in"), {"email": "ada@example.com"})
        (message,) = mail.outbox
        assert message.subject == "Your sign-in link"
