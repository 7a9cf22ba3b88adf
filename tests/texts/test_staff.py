"""Staff's side: the front desk's inbox (a thread per number, answered as a text), the
"confirmed by text" note on the admin's day view and the therapist's day card, and who
may see what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from tests.people import CLINIC_MANAGER, FRONT_DESK, staff_member
from tests.texts.conftest import MOBILE_E164, reply
from tests.texts.test_booking_texts import book
from texts.models import Inbound, Text

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(client, clinic, texts_on):
    book(client, clinic, start=local_time(3, 11))
    reply(client, "Is there parking nearby?", sid="SMq1")
    return Inbound.objects.get()


def thread_url(number: str = MOBILE_E164) -> str:
    return reverse("admin:texts_inbound_thread", args=[number])


def test_the_front_desk_reads_the_thread_and_answers_by_text(client, question, texts_on):
    client.force_login(staff_member("desk", FRONT_DESK))
    inbox = client.get(reverse("admin:texts_inbound_changelist"))
    assert inbox.status_code == 200 and "Is there parking nearby?" in inbox.text
    page = client.get(thread_url())
    assert page.status_code == 200
    assert "Is there parking nearby?" in page.text
    answer = client.post(thread_url(), {"message": "Yes, on Elm Street, free after 6."})
    assert answer.status_code == 302
    emails_deliver_due()
    assert texts_on.messages[-1]["to"] == MOBILE_E164
    assert texts_on.messages[-1]["body"] == "Ashiatsu Clinic: Yes, on Elm Street, free after 6."
    question.refresh_from_db()
    assert question.handled_at is not None
    assert "Yes, on Elm Street" in client.get(thread_url()).text


def test_an_empty_reply_is_a_clear_message_not_a_text(client, question, texts_on):
    client.force_login(staff_member("desk", FRONT_DESK))
    page = client.post(thread_url(), {"message": ""})
    assert page.status_code == 200 and "This field is required" in page.text
    assert not Text.objects.filter(kind="desk").exists()


def test_a_manager_sees_it_staff_without_a_role_and_anonymous_do_not(client, question):
    client.force_login(staff_member("manager", CLINIC_MANAGER))
    assert client.get(thread_url()).status_code == 200
    client.force_login(staff_member("plain", None))
    assert client.get(thread_url()).status_code == 403
    assert client.post(thread_url(), {"message": "hi"}).status_code == 403
    client.force_login(UserFactory(username="not-staff"))
    assert client.get(thread_url()).status_code == 302  # to the admin's sign-in
    client.logout()
    assert client.get(thread_url()).status_code == 302
    assert not Text.objects.filter(kind="desk").exists()


def test_a_c_reply_shows_on_the_day_view_and_the_therapist_day_card(client, clinic, texts_on):
    start = local_time(3, 11)
    book(client, clinic, start=start)
    appointment = Appointment.objects.get()
    day = timezone.localdate(start).isoformat()
    client.force_login(staff_member("desk", FRONT_DESK))
    schedule = reverse("admin:bookings_appointment_schedule") + f"?date={day}"
    assert "Client confirmed by text" not in client.get(schedule).text
    reply(client, "C", sid="SMc1")
    assert "Client confirmed by text" in client.get(schedule).text
    client.force_login(appointment.therapist.user)
    card = client.get(reverse("therapists:day", args=[day]))
    assert card.status_code == 200 and "Client confirmed by text" in card.text
