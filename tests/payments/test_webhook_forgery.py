"""Forged and replayed Stripe webhooks, beyond a missing or wrong signature (test_views):
a signature whose timestamp was moved, a scheme other than v1, an old delivery replayed,
a signed event whose body says more than Stripe does, an unknown payment, and the same
event delivered by ten requests at once. Each changes nothing, or changes it once."""

import json
import time
from concurrent.futures import ThreadPoolExecutor, wait
from threading import Barrier

import pytest
from django.db import connection
from django.test import Client

from bookings.models import AppointmentStatus
from payments.models import LedgerEntry, LedgerKind, Payment, PaymentStatus, StripeEvent
from tests.payments.conftest import sign
from tests.payments.test_views import WEBHOOK, _deposit_paid_at_stripe_only, _event_for, held


def post(client, payload: bytes, signature: str):
    return client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def unchanged(payment: Payment) -> bool:
    payment.refresh_from_db()
    return payment.status == PaymentStatus.PENDING and not StripeEvent.objects.exists()


@pytest.mark.django_db
class TestForgeries:
    def test_a_signature_whose_timestamp_was_moved_is_400(
        self, client, clinic_with_deposits, stripe_on
    ):
        _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        old = int(time.time()) - 3600
        digest = sign(payload, timestamp=old).split("v1=")[1]
        # The attacker replays an hour-old delivery, claiming it was signed just now.
        assert post(client, payload, f"t={int(time.time())},v1={digest}").status_code == 400
        assert unchanged(payment)

    def test_an_old_delivery_replayed_with_its_own_signature_is_400(
        self, client, clinic_with_deposits, stripe_on
    ):
        _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        signature = sign(payload, timestamp=int(time.time()) - 301)  # past the 5 min tolerance
        assert post(client, payload, signature).status_code == 400
        assert unchanged(payment)

    @pytest.mark.parametrize("scheme", ["v0", "v2", "V1"])
    def test_only_the_v1_scheme_counts(self, client, clinic_with_deposits, stripe_on, scheme):
        _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        signature = sign(payload).replace("v1=", f"{scheme}=")
        assert post(client, payload, signature).status_code == 400
        assert unchanged(payment)

    def test_a_signed_body_that_is_not_json_is_400(self, client, db, stripe_on):
        assert post(client, b"\xff\xfe not json", sign(b"\xff\xfe not json")).status_code == 400
        assert not StripeEvent.objects.exists()

    def test_a_signed_success_stripe_does_not_confirm_changes_nothing(
        self, client, clinic_with_deposits, stripe_on
    ):
        """The body is never trusted alone: the handler asks Stripe for the intent."""
        booked = held(clinic_with_deposits)
        payment = Payment.objects.create(
            kind="deposit", method="stripe", amount_cents=3000, appointment=booked.appointment,
            stripe_payment_intent="pi_never_paid",
        )  # fmt: skip
        body = json.dumps({
            "id": "evt_lie", "object": "event", "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {"object": {"id": "pi_never_paid", "object": "payment_intent",
                                "status": "succeeded"}},
        }).encode()  # fmt: skip
        response = post(client, body, sign(body))
        assert response.status_code in (200, 503)
        payment.refresh_from_db()
        booked.appointment.refresh_from_db()
        assert payment.status == PaymentStatus.PENDING
        assert booked.appointment.status == AppointmentStatus.AWAITING_DEPOSIT
        assert not LedgerEntry.objects.exists()

    def test_an_event_for_a_payment_we_never_made_changes_nothing(self, client, db, stripe_on):
        body = json.dumps({
            "id": "evt_unknown", "object": "event", "type": "payment_intent.payment_failed",
            "created": int(time.time()),
            "data": {"object": {"id": "pi_someone_elses", "object": "payment_intent"}},
        }).encode()  # fmt: skip
        assert post(client, body, sign(body)).status_code == 200
        assert not Payment.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_deliveries_of_one_event_confirm_it_once(
    clinic_with_deposits, stripe_on, postgres_only
):
    _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
    payload = _event_for(stripe_on, payment.stripe_payment_intent)
    signature = sign(payload)
    barrier = Barrier(10)

    def deliver(_index):
        try:
            barrier.wait(timeout=30)
            return post(Client(), payload, signature).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(deliver, i) for i in range(10)]
        done, not_done = wait(futures, timeout=90)
    assert not not_done
    assert sorted(f.result() for f in futures) == [200] * 10
    assert StripeEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
