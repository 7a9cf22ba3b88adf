"""A Spanish-speaking newcomer books on a 390 px phone, from the landing page to the
confirmation and the e-mail, all in Spanish (issue 15); axe checks each Spanish page.

The browser asks for Spanish the way a phone set to Spanish does (`Accept-Language: es-US`,
Playwright's context locale). A second test uses the language switcher instead: one tap, or
the keyboard, without JavaScript. Screenshots: KEEP_SCREENSHOTS=1.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment
from tests.bookings.clinic import build_clinic, local_time
from tests.browser.flow import (
    CLIENT,
    answer_intake,
    choose_time,
    clock_label,
    day_label,
    give_contact_details,
    tab_to,
)
from tests.browser.test_accessibility import assert_accessible, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DAYS_AHEAD = 3


@pytest.fixture
def spanish_phone(browser, browser_context_args):
    """A phone whose browser is set to Spanish (US): Playwright's locale becomes the
    Accept-Language header and navigator.language."""
    context = browser.new_context(**{**browser_context_args, **PHONE, "locale": "es-US"})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def spanish_page(page: Page, name: str, steps) -> None:
    """Every Spanish page says so to screen readers and passes axe at phone width."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page, name)
    no_sideways_scroll(page)
    steps(name)


def test_a_spanish_phone_books_from_landing_to_confirmation_in_spanish(spanish_phone, steps):
    # At 08:00 clinic time, so the slot page opens on a day with morning times (after
    # about 10:00 it opened on today's afternoon, and the test failed).
    with time_machine.travel(local_time(0, 8), tick=True):
        clinic = build_clinic(therapists=2, bar_rooms=2)
        therapist = clinic.therapists[0]
        page = spanish_phone
        steps.page = page
        mail.outbox.clear()

        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ashiatsu: masaje con los pies")
        expect(page.get_by_role("heading", name="Quién no debe reservar")).to_be_visible()
        spanish_page(page, "inicio", steps)
        # The slot picker on its own first (for axe and a screenshot), then the booking from home.
        page.goto(f"/book/{clinic.bar_60.slug}/any/")
        expect(page.get_by_role("heading", name="Elija un día y una hora")).to_be_visible()
        expect(page.get_by_role("heading", name="Mañana")).to_be_visible()
        spanish_page(page, "horas", steps)
        page.goto("/")

        ten = clock_label(dt.time(10), "es")
        assert ten == "10:00 a.m."
        choose_time(
            page,
            service=clinic.bar_60.name,
            therapist=therapist.display_name,
            days_ahead=DAYS_AHEAD,
            time=ten,
            language="es",
        )

        expect(page.get_by_role("heading", name="La salud de su espalda")).to_be_visible()
        expect(
            page.get_by_role(
                "group", name="¿Está embarazada, o lo ha estado en las últimas 12 semanas?"
            )
        ).to_be_visible()
        expect(page.get_by_text("Paso 3 de 4")).to_be_visible()
        spanish_page(page, "preguntas-de-salud", steps)
        answer_intake(page, language="es")

        expect(page.get_by_role("heading", name="Sus datos y la reserva")).to_be_visible()
        day = timezone.localdate() + dt.timedelta(days=DAYS_AHEAD)
        when = page.locator("dt", has_text="Cuándo").locator("xpath=following-sibling::dd[1]")
        expect(when).to_contain_text(day_label(day, "es") + " de ")
        expect(when).to_contain_text("10:00 a.m.–11:00 a.m.")
        expect(page.get_by_role("button", name="Reservar ahora")).to_be_visible()
        spanish_page(page, "datos-y-reserva", steps)
        give_contact_details(page, language="es")

        expect(page.get_by_role("heading", name="Su reserva está hecha")).to_be_visible()
        expect(page.get_by_role("heading", name="Qué ponerse y qué traer")).to_be_visible()
        expect(page.get_by_text("Confirmada", exact=True)).to_be_visible()
        spanish_page(page, "confirmacion", steps)

        appointment = Appointment.objects.get()
        assert appointment.language == "es" and appointment.therapist == therapist
        (message,) = [m for m in mail.outbox if m.to == [CLIENT["E-mail"]]]
        assert message.subject == f"Su sesión de Ashiatsu está reservada ({appointment.reference})"
        assert "Su sesión de Ashiatsu está reservada." in message.body
        assert f"Cuándo:       {day_label(day, 'es')} de " in message.body
        assert "10:00 a.m.–11:00 a.m." in message.body
        assert f"Terapeuta:  {therapist.display_name}" in message.body
        assert "Vea, cambie o cancele su reserva" in message.body
        html = message.alternatives[0][0]
        assert '<html lang="es">' in html and "Llegue 10 minutos antes, por favor." in html


def test_the_switcher_turns_a_page_spanish_with_one_tap_or_the_keyboard(new_context, steps):
    build_clinic(therapists=1, bar_rooms=1)
    page = new_context(**PHONE).new_page()  # an English phone
    page.set_default_timeout(10_000)
    steps.page = page

    page.goto("/book/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.get_by_role("form", name="Language")
    spanish = switcher.get_by_role("button", name="Español")
    expect(switcher.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    steps("english")
    spanish.tap()
    assert page.url.endswith("/book/")  # back on the same page
    expect(page.get_by_role("heading", name="Elija una sesión")).to_be_visible()
    spanish_page(page, "espanol", steps)

    # Keyboard alone, back to English: Tab to the button, Enter.
    english = page.get_by_role("form", name="Idioma").get_by_role("button", name="English")
    page.get_by_role("link", name="Accesibilidad").focus()
    tab_to(page, english, most=4)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Choose a session")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    steps("english-again")


def test_the_spanish_refusal_page_gives_the_reason_in_spanish(spanish_phone, steps):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    page = spanish_phone
    steps.page = page
    day = timezone.localdate() + dt.timedelta(days=DAYS_AHEAD)
    page.goto(f"/book/{clinic.bar_60.slug}/any/?day={day:%Y-%m-%d}")
    page.locator("button.slot").first.click()
    answer_intake(page, language="es", osteoporosis=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ahora no podemos reservarle una sesión de Ashiatsu"
    )
    expect(page.get_by_role("listitem").filter(has_text="osteoporosis u osteopenia")).to_have_text(
        "Con osteoporosis u osteopenia, los huesos pueden romperse bajo el peso de un terapeuta."
    )
    spanish_page(page, "rechazo", steps)
    assert not Appointment.objects.exists()
