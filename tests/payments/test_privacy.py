"""Erasing a client removes who paid, keeps what was paid."""

import pytest

from bookings.privacy import ERASED_NAME, client_erase
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from payments import gift_cards, services
from payments.models import CardOnFile, LedgerEntry, Method, Payment
from tests.bookings.clinic import local_time
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_erasure_forgets_the_payer_and_the_card_but_keeps_the_amounts(
    clinic_with_deposits, stripe_on
):
    appointment = booking_create(
        service=clinic_with_deposits.bar_60,
        therapist=clinic_with_deposits.therapists[0],
        start=local_time(3, 10),
        client=ClientDetails(name="Ada Client", email="Ada@Example.com", phone="+1 212 555 0199"),
        answers=clear_answers(),
    ).appointment
    services.deposit_pay(appointment=appointment, payment_method="pm_card_visa", save_card=True)
    desk = UserFactory(is_staff=True)
    gift_cards.gift_card_issue(
        amount_cents=5000, recipient_name="Bo", purchaser_email="ada@example.com",
        method=Method.CASH, actor=desk,
    )  # fmt: skip
    assert CardOnFile.objects.exists()
    manager = UserFactory(is_staff=True, is_superuser=True)
    client_erase(email="ada@example.com", user=manager)
    assert not CardOnFile.objects.exists()
    assert set(Payment.objects.values_list("payer_name", "payer_email")) == {(ERASED_NAME, "")}
    assert sorted(LedgerEntry.objects.values_list("amount_cents", flat=True)) == [3000, 5000]
