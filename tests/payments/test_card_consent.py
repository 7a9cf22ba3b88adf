"""A card saved "for this session" pays that session's fees only: never a booking someone
else made under the client's address (upper-cased), before or after she signs in, and not
even after staff merged that booking into her record. Against localstripe."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings import clients
from bookings.models import AppointmentStatus
from bookings.services import ClientDetails, booking_create
from bookings.session_status import appointment_set_status
from health.screening import clear_answers
from payments import services
from payments.ledger import PaymentError
from payments.models import CardOnFile, Payment, PaymentKind
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

VICTIM = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")
ATTACKER = ClientDetails(name="Ada Client", email="ADA@EXAMPLE.COM", phone="+1 212 555 0111")


def book(clinic_with_deposits, who, day):
    return booking_create(
        service=clinic_with_deposits.bar_60,
        therapist=clinic_with_deposits.therapists[0],
        start=local_time(day, 10),
        client=who,
        answers=clear_answers(),
    ).appointment


@pytest.fixture
def sessions(clinic_with_deposits, stripe_on, front_desk):
    """Ada saves her card for session A (and opens its e-mail); the attacker books B under
    her address and pays its deposit without saving a card; B is a no-show."""
    a = book(clinic_with_deposits, VICTIM, 3)
    services.deposit_pay(appointment=a, payment_method="pm_card_visa", save_card=True)
    clients.booking_mailbox_proven(appointment=a, proof=clients.mailbox_proof(a), record=None)
    b = book(clinic_with_deposits, ATTACKER, 4)
    services.deposit_pay(appointment=b, payment_method="pm_card_visa", save_card=False)
    clients.client_confirm_address(email="ada@example.com")  # Ada signs in
    with time_machine.travel(b.start + dt.timedelta(minutes=20)):
        appointment_set_status(appointment=b, status=AppointmentStatus.NO_SHOW, actor=front_desk)
    a.refresh_from_db()
    b.refresh_from_db()
    return a, b


def money_page(client, front_desk, appointment) -> str:
    client.force_login(front_desk)
    return client.get(
        reverse("payments:appointment", args=[appointment.reference])
    ).content.decode()


def test_the_card_is_kept_for_the_session_whose_consent_it_was(sessions):
    a, _ = sessions
    card = CardOnFile.objects.get()
    assert card.appointment == a and "this session" in card.consent_text


def test_bs_money_page_offers_no_card_and_charging_is_refused(client, sessions, front_desk):
    _, b = sessions
    assert "····4242" not in money_page(client, front_desk, b)
    with pytest.raises(PaymentError):
        services.fee_charge(appointment=b, kind=PaymentKind.NO_SHOW_FEE, actor=front_desk)
    response = client.post(
        reverse("payments:fee_charge", args=[b.reference, PaymentKind.NO_SHOW_FEE])
    )
    assert response.status_code == 400
    assert not Payment.objects.filter(kind=PaymentKind.NO_SHOW_FEE).exists()


def test_not_even_after_staff_merged_b_into_her_record(client, sessions, front_desk):
    a, b = sessions
    clients.client_merge(keep=a.client, merge=b.client, by=front_desk)
    b.refresh_from_db()
    assert b.client == a.client
    assert "····4242" not in money_page(client, front_desk, b)
    with pytest.raises(PaymentError):
        services.fee_charge(appointment=b, kind=PaymentKind.NO_SHOW_FEE, actor=front_desk)


def test_her_own_session_still_shows_the_card(client, sessions, front_desk):
    a, _ = sessions
    assert "····4242" in money_page(client, front_desk, a)
