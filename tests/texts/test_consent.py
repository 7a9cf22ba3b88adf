"""The booking form asks: e-mail only (the default) or texts too; the choice is stored with
the wording shown and the time. A number that cannot receive texts is told clearly."""

import pytest

from bookings.models import Appointment
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import flow_urls, form_answers
from tests.texts.conftest import MOBILE, MOBILE_E164
from texts.models import ClientTexts

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ada Client", "email": "ada@example.com", "phone": MOBILE}


def to_contact_step(client, clinic):
    urls = flow_urls(service=clinic.bar_60.slug)
    client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
    assert client.post(urls["intake"], form_answers()).status_code == 302
    return urls


def test_the_form_offers_texts_unticked(client, clinic, texts_on):
    urls = to_contact_step(client, clinic)
    page = client.get(urls["contact"]).text
    assert 'name="texts"' in page and "Reply STOP to stop." in page
    assert (
        'name="texts" checked' not in page and "checked" not in page.split('name="texts"')[1][:80]
    )


def test_without_twilio_the_form_does_not_ask(client, clinic):
    urls = to_contact_step(client, clinic)
    assert 'name="texts"' not in client.get(urls["contact"]).text


def test_choosing_texts_on_the_form_stores_the_wording_and_sends_a_text(
    client, clinic, texts_on, django_capture_on_commit_callbacks
):
    urls = to_contact_step(client, clinic)
    assert client.post(urls["contact"], {**CONTACT, "texts": "on"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(urls["review"]).status_code in (200, 302)
    state = ClientTexts.objects.get()
    assert state.wants_texts and str(state.number) == MOBILE_E164
    assert state.consent_wording.startswith("Also text me about this booking")
    emails_deliver_due()
    assert [m["to"] for m in texts_on.messages] == [MOBILE_E164]


def test_e_mail_only_is_stored_too(client, clinic, texts_on):
    urls = to_contact_step(client, clinic)
    client.post(urls["contact"], CONTACT)
    client.post(urls["review"])
    state = ClientTexts.objects.get()
    assert not state.wants_texts and state.consent_wording == "" and state.consent_at
    emails_deliver_due()
    assert not texts_on.messages


def test_a_landline_with_texts_ticked_gets_a_clear_message(client, clinic, texts_on):
    urls = to_contact_step(client, clinic)
    response = client.post(urls["contact"], {**CONTACT, "phone": "+44 20 7946 0958", "texts": "on"})
    assert response.status_code == 200
    assert "This number cannot receive texts." in response.text
    client.post(urls["review"])
    assert not Appointment.objects.exists()
