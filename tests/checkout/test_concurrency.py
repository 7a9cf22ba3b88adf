"""Two desks redeem the last use of a single-use code at the same moment, on two real
PostgreSQL connections (threads): exactly one wins, the other is told why."""

import threading

import pytest
from django.db import connection

from bookings.services import ClientDetails, booking_create
from checkout.models import PromoCode, PromoKind, PromoRedemption
from checkout.promos import PromoError, promo_redeem
from health.screening import clear_answers
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_redemptions_of_a_single_use_code_one_wins(clinic, postgres_only):
    PromoCode.objects.create(code="ONLYONE", kind=PromoKind.PERCENT, value=10, max_uses=1)
    bookings = [
        booking_create(
            service=clinic.bar_60,
            therapist=therapist,
            start=local_time(3, 10),
            client=ClientDetails(
                name=name, email=f"{name.lower()}@example.com", phone="+1 212 555 0100"
            ),
            answers=clear_answers(),
        ).appointment
        for therapist, name in zip(clinic.therapists, ["Ada", "Bea"], strict=True)
    ]
    start = threading.Barrier(len(bookings))
    outcomes: list[str] = []

    def redeem(appointment):
        try:
            start.wait(timeout=10)
            promo_redeem(code="onlyone", appointment=appointment)
            outcomes.append("won")
        except PromoError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(a,)) for a in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["This code has been used as many times as it may be.", "won"]
    assert PromoRedemption.objects.count() == 1
