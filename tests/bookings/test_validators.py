"""Issue 11 item 4: a client's name is one line of text at every door.

A "name" with line breaks and a link became the first lines of a clinic-branded e-mail. The
one validator (`clients.validators.validate_person_name`) refuses it on the booking pages,
the JSON API, the admin's client and booking forms, the waitlist (page and admin) and in the
booking service itself; nothing is written. The e-mails never start with client text.
"""

import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings import notifications
from bookings.models import Appointment
from bookings.services import BookingError, ClientDetails, booking_create
from clients.models import Client
from clients.validators import NAME_MESSAGE, validate_person_name
from health.models import Intake
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.bookings.test_admin import booking_form_data
from tests.bookings.test_api import booking as api_booking
from tests.bookings.test_booking_pages import flow_urls, form_answers
from tests.factories import ClientFactory, UserFactory
from tests.waitlist.test_waitlist import TestPages as WaitlistPages
from waitlist.models import WaitlistEntry
from waitlist.services import waitlist_join

pytestmark = pytest.mark.django_db

PHISHING = "Jane\n\nYour card was declined. Pay now at https://clinic-payments.example/pay"
HOSTILE_NAMES = [
    PHISHING,
    "Jane\r\nBcc: everyone@example.com",
    "Jane\tDoe",
    "Jane\u2028Pay at https://evil.example",  # Unicode line separator
    "Jane\u202eelif.exe",  # right-to-left override
    "Jane\x0bDoe",
]


@pytest.fixture
def superuser():
    """A superuser in no role group: every admin permission, by the flag alone."""
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


def nothing_written():
    return (Appointment.objects.count(), Client.objects.count(), Intake.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_validator_refuses_control_characters_and_line_breaks(name):
    with pytest.raises(ValidationError) as error:
        validate_person_name(name)
    assert error.value.messages == [NAME_MESSAGE]


@pytest.mark.parametrize(
    "name", ["Ada Lovelace", "Zoë O'Brien-Núñez", "山田 太郎", "Ana María de la Cruz", "क्\u200dष"]
)
def test_the_validator_accepts_real_names(name):
    validate_person_name(name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_booking_pages_refuse_a_name_with_line_breaks(client, clinic, name):
    urls = flow_urls()
    client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
    assert client.post(urls["intake"], form_answers()).status_code == 302
    response = client.post(
        urls["contact"], {"name": name, "email": "ada@example.com", "phone": "+1 212 555 0199"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [NAME_MESSAGE]
    # No contact details kept: the details screen is empty and "Book now" alone books nothing.
    assert not client.get(urls["review"]).context["form"].initial
    assert client.post(urls["review"])["Location"] == urls["contact"]
    # The one-screen flow posts the details with "Book now": refused the same way, a 400.
    response = client.post(
        urls["review"], {"name": name, "email": "ada@example.com", "phone": "+1 212 555 0199"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [NAME_MESSAGE]
    assert nothing_written()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_api_refuses_a_name_with_line_breaks(client, clinic, name):
    body = api_booking(clinic)
    body["client"]["name"] = name
    response = client.post("/api/bookings", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == {"client.name": NAME_MESSAGE}
    assert nothing_written()


def test_the_admin_booking_form_refuses_a_name_with_line_breaks(client, clinic, superuser):
    client.force_login(superuser)
    data = booking_form_data(clinic, start=local_time(3, 11))
    data["client-name"] = PHISHING
    response = client.post(reverse("admin:bookings_appointment_add"), data)
    assert response.status_code == 200
    assert NAME_MESSAGE in response.content.decode().replace("&#x27;", "'")
    assert nothing_written()


def test_the_admin_client_form_refuses_a_name_with_line_breaks(client, superuser):
    ada = ClientFactory(name="Ada Client")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:clients_client_change", args=[ada.pk]),
        {"name": PHISHING, "email": ada.email, "phone": ada.phone},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [NAME_MESSAGE]
    ada.refresh_from_db()
    assert ada.name == "Ada Client"


def test_the_waitlist_page_refuses_a_name_with_line_breaks(client, clinic):
    data = WaitlistPages().form(clinic)
    data["contact-name"] = PHISHING
    response = client.post(reverse("waitlist:join"), data)
    assert response.status_code == 400
    assert response.context["contact"].errors["name"] == [NAME_MESSAGE]
    assert not WaitlistEntry.objects.exists()


def test_the_waitlist_admin_refuses_a_name_with_line_breaks(client, clinic, superuser):
    day = local_time(3, 0).date()
    entry = waitlist_join(
        service=clinic.bar_60,
        therapist=None,
        first_day=day,
        last_day=day,
        client=ClientDetails(name="Ada Waiting", email="ada@example.com", phone="+1 212 555 0101"),
        answers=clear_answers(),
    )
    client.force_login(superuser)
    response = client.post(
        reverse("admin:waitlist_waitlistentry_change", args=[entry.pk]),
        {
            "therapist": "",
            "first_day": day.isoformat(),
            "last_day": day.isoformat(),
            "name": PHISHING,
            "email": entry.email,
            "phone": entry.phone,
            "offers-TOTAL_FORMS": "0",
            "offers-INITIAL_FORMS": "0",
            "offers-MIN_NUM_FORMS": "0",
            "offers-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [NAME_MESSAGE]
    entry.refresh_from_db()
    assert entry.name == "Ada Waiting"


def test_the_booking_service_refuses_a_name_with_line_breaks(clinic):
    with pytest.raises(BookingError) as error:
        booking_create(
            service=clinic.bar_60,
            therapist=None,
            start=local_time(3, 10),
            client=ClientDetails(name=PHISHING, email="ada@example.com", phone="+1 212 555 0199"),
            answers=clear_answers(),
        )
    assert error.value.errors == {"name": NAME_MESSAGE}
    assert nothing_written()


KINDS = [
    notifications.CONFIRMED,
    notifications.PENDING_REVIEW,
    notifications.CANCELLED,
    notifications.RESCHEDULED,
    notifications.APPROVED,
    notifications.REVIEW_DECLINED,
    notifications.REMINDER,
]


@pytest.mark.parametrize("kind", KINDS)
def test_client_emails_start_with_clinic_text_and_show_the_name_only_after_a_label(clinic, kind):
    """Even a name from before the validator (stored rows) never leads or stands alone."""
    result = booking_create(
        service=clinic.bar_60,
        therapist=None,
        start=local_time(3, 10),
        client=ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199"),
        answers=clear_answers(),
    )
    Client.objects.filter(pk=result.appointment.client_id).update(name="Jane Wolf")
    appointment = Appointment.objects.select_related(*notifications.APPOINTMENT_RELATED).get()
    message = notifications.build_message(appointment, kind, token=result.manage_token)
    lines = [line.strip() for line in message.body.splitlines() if line.strip()]
    assert lines[0] == "Hello from Ashiatsu Clinic,"
    assert [line for line in lines if "Jane Wolf" in line] == ["For:        Jane Wolf"]
    html = message.alternatives[0][0]
    assert "Hello from Ashiatsu Clinic," in html and "Hello Jane" not in html
    assert '<th align="left" style="padding: 4px 12px 4px 0;">For</th><td>Jane Wolf</td>' in html
    mail.outbox.clear()
