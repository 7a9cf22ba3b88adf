"""The deposit page, the webhook, the gift-card balance page and the staff money pages."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus
from bookings.roles import CLINIC_MANAGER, FRONT_DESK
from bookings.services import ClientDetails, booking_create
from bookings.session_status import appointment_set_status
from health.screening import clear_answers
from payments import gateway, gift_cards, ledger, packages, services
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    PaymentKind,
    PaymentStatus,
    StripeEvent,
)
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from tests.payments.conftest import localstripe_events, sign

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")
WEBHOOK = "/payments/stripe/webhook/"


def held(clinic_with_deposits):
    return booking_create(
        service=clinic_with_deposits.bar_60,
        therapist=clinic_with_deposits.therapists[0],
        start=local_time(3, 10),
        client=ADA,
        answers=clear_answers(),
    )


def deposit_url(booked):
    return reverse(
        "payments:deposit", args=[booked.appointment.reference, booked.appointment.pay_token]
    )


def staff_user(role: str | None, **fields):
    user = UserFactory(is_staff=True, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


class TestDepositPage:
    def test_it_shows_the_amount_the_hold_and_the_consent_words(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        response = client.get(deposit_url(booked))
        assert response.status_code == 200
        page = response.text
        assert "$30.00" in page and "holding this time for you until" in page
        assert "never automatically" in page and "no-show fee ($80.00)" in page
        assert (
            'name="save_card"' in page and "checked" not in page.split('name="save_card"')[1][:40]
        )
        # Stripe's element is allowed by the CSP only because keys are configured.
        assert "https://js.stripe.com" in response.headers["Content-Security-Policy"]

    def test_a_wrong_token_or_reference_is_404(self, client, clinic_with_deposits, stripe_on):
        booked = held(clinic_with_deposits)
        ref = booked.appointment.reference
        assert client.get(reverse("payments:deposit", args=[ref, "wrong"])).status_code == 404
        assert client.get(reverse("payments:deposit", args=["<b>", "x"])).status_code == 404

    def test_paying_by_card_confirms_and_lands_on_the_booking(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        response = client.post(
            deposit_url(booked), {"payment_method": "pm_card_visa", "save_card": "on"}
        )
        assert response.status_code == 302 and response.url == deposit_url(booked)
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.CONFIRMED
        assert booked.appointment.card_on_file.last4 == "4242"
        # Paid: the page now only says so, without Stripe.js and without the manage link.
        done = client.get(deposit_url(booked))
        assert done.status_code == 200 and "You are booked" in done.text
        assert "js.stripe.com" not in done.text and booked.manage_token not in done.text

    def test_a_declined_card_says_so_with_a_400_and_keeps_the_hold(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        response = client.post(
            deposit_url(booked), {"payment_method": "pm_card_chargeCustomerFail"}
        )
        assert response.status_code == 400
        assert "declined" in response.text.lower()
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.AWAITING_DEPOSIT

    @pytest.mark.parametrize(
        "data",
        [{}, {"payment_method": "<script>"}, {"gift_code": "x"}, {"payment_method": "x" * 500}],
    )
    def test_bad_input_is_a_400_that_writes_nothing(
        self, client, clinic_with_deposits, stripe_on, data
    ):
        booked = held(clinic_with_deposits)
        assert client.post(deposit_url(booked), data).status_code == 400
        assert not Payment.objects.exists()

    def test_a_package_session_pays_for_the_booking(self, client, clinic_with_deposits, stripe_on):
        from payments.models import PackagePlan

        plan = PackagePlan.objects.create(
            name="Three", style=clinic_with_deposits.bar_60.style, sessions=3, price_cents=30000
        )
        _package, code = packages.package_sell(
            plan=plan, client_name="Ada", client_email="ada@example.com", method=Method.CASH,
            actor=UserFactory(is_staff=True),
        )  # fmt: skip
        booked = held(clinic_with_deposits)
        response = client.post(deposit_url(booked), {"action": "package", "package-code": code})
        assert response.status_code == 302
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.CONFIRMED

    def test_the_manage_page_of_a_held_booking_links_to_the_deposit(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        manage = reverse(
            "bookings:manage", args=[booked.appointment.reference, booked.manage_token]
        )
        page = client.get(manage).text
        assert "Awaiting deposit" in page and deposit_url(booked) in page


def _deposit_paid_at_stripe_only(clinic_with_deposits):
    """A deposit Stripe charged but whose page never came back (the browser closed)."""
    booked = held(clinic_with_deposits)
    payment = Payment.objects.create(
        kind=PaymentKind.DEPOSIT, method=Method.STRIPE, amount_cents=3000,
        appointment=booked.appointment, payer_email="ada@example.com",
    )  # fmt: skip
    intent = gateway.charge(
        amount_cents=3000, payment_method="pm_card_visa", customer=None,
        metadata={"payment": str(payment.pk)}, idempotency_key=f"t-{payment.pk}",
    )  # fmt: skip
    payment.stripe_payment_intent = intent.id
    payment.save()
    return booked, payment


def _event_for(url, intent_id, type_="payment_intent.succeeded") -> bytes:
    (event,) = [e for e in localstripe_events(url, type_) if e["data"]["object"]["id"] == intent_id]
    return json.dumps(event).encode()


class TestWebhook:
    def post(self, client, payload: bytes, signature: str):
        return client.post(
            WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    def test_a_signed_event_confirms_the_payment_once_and_a_redelivery_changes_nothing(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        first = self.post(client, payload, sign(payload))
        assert first.status_code == 200 and first.text == "OK"
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.CONFIRMED
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUCCEEDED
        again = self.post(client, payload, sign(payload))
        assert again.status_code == 200 and again.text == "Already handled."
        assert LedgerEntry.objects.filter(kind=LedgerKind.CHARGE).count() == 1
        assert StripeEvent.objects.count() == 1

    def test_the_page_and_the_webhook_together_record_the_payment_once(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        payment = services.deposit_pay(
            appointment=booked.appointment, payment_method="pm_card_visa", save_card=False
        )
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        assert self.post(client, payload, sign(payload)).status_code == 200
        assert LedgerEntry.objects.count() == 1

    @pytest.mark.parametrize("forgery", ["none", "garbage", "wrong secret", "too old"])
    def test_a_forged_or_unsigned_event_is_400_and_does_nothing(
        self, client, clinic_with_deposits, stripe_on, forgery
    ):
        _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        signature = {
            "none": "",
            "garbage": "t=1,v1=deadbeef",
            "wrong secret": sign(payload, secret="whsec_someone_else"),  # noqa: S106
            "too old": sign(payload, timestamp=int(timezone.now().timestamp()) - 3600),
        }[forgery]
        assert self.post(client, payload, signature).status_code == 400
        assert not StripeEvent.objects.exists()
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.PENDING

    def test_a_tampered_body_with_a_once_valid_signature_is_400(
        self, client, clinic_with_deposits, stripe_on
    ):
        _booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
        payload = _event_for(stripe_on, payment.stripe_payment_intent)
        signature = sign(payload)
        assert self.post(client, payload.replace(b"3000", b"1"), signature).status_code == 400

    def test_a_failed_payment_event_marks_the_attempt_failed(
        self, client, clinic_with_deposits, stripe_on
    ):
        booked = held(clinic_with_deposits)
        payment = Payment.objects.create(
            kind=PaymentKind.DEPOSIT, method=Method.STRIPE, amount_cents=3000,
            appointment=booked.appointment, stripe_payment_intent="pi_test_failed",
        )  # fmt: skip
        body = json.dumps({
            "id": "evt_test_failed", "object": "event", "type": "payment_intent.payment_failed",
            "created": int(timezone.now().timestamp()),
            "data": {"object": {"id": "pi_test_failed", "object": "payment_intent",
                                "last_payment_error": {"message": "Your card was declined."}}},
        }).encode()  # fmt: skip
        assert self.post(client, body, sign(body)).status_code == 200
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.FAILED
        assert payment.failure_message == "Your card was declined."

    def test_without_stripe_keys_the_endpoint_does_not_exist(self, client, settings):
        settings.PAYMENTS_ENABLED = False
        assert self.post(client, b"{}", "x").status_code == 404


class TestGiftCardBalance:
    URL = "/gift-cards/balance/"

    def test_the_right_code_shows_the_balance_and_nothing_else(self, client):
        card, code = gift_cards.gift_card_issue(
            amount_cents=4550, recipient_name="Bo Secret", purchaser_email="buyer@example.com",
            method=Method.CASH, actor=UserFactory(is_staff=True),
        )  # fmt: skip
        response = client.post(self.URL, {"code": code})
        assert response.status_code == 200
        assert "$45.50" in response.text
        assert "Bo Secret" not in response.text and "buyer@" not in response.text

    @pytest.mark.parametrize("code", ["GIFT-0000-0000-0000", "nonsense", "", "' OR 1=1 --"])
    def test_a_wrong_code_gets_the_same_answer_whatever_it_is(self, client, code):
        response = client.post(self.URL, {"code": code})
        assert response.status_code == 404
        assert "We could not find a gift card with this code." in response.text

    def test_look_ups_are_rate_limited_per_address(self, client, settings):
        settings.RATELIMIT_ENABLE = True
        settings.GIFT_CARD_BALANCE_RATE = "3/m"
        cache.clear()
        codes = [
            client.post(self.URL, {"code": f"GIFT-0000-0000-000{i}"}).status_code for i in range(5)
        ]
        assert codes == [404, 404, 404, 429, 429]
        cache.clear()


@pytest.fixture
def no_show(clinic_with_deposits, stripe_on):
    """A booking whose deposit was paid with the card saved, then missed."""
    booked = held(clinic_with_deposits)
    services.deposit_pay(
        appointment=booked.appointment, payment_method="pm_card_visa", save_card=True
    )
    appointment = booked.appointment
    desk = UserFactory(is_staff=True)
    appointment.refresh_from_db()
    import time_machine

    with time_machine.travel(appointment.start + dt.timedelta(minutes=20)):
        appointment_set_status(
            appointment=appointment, status=AppointmentStatus.NO_SHOW, actor=desk
        )
    appointment.refresh_from_db()
    return appointment


class TestStaffAppointmentPage:
    def url(self, appointment):
        return reverse("payments:appointment", args=[appointment.reference])

    @pytest.mark.parametrize("role", [FRONT_DESK, CLINIC_MANAGER])
    def test_front_desk_and_managers_see_it_and_charge_the_no_show_fee_in_one_click(
        self, client, no_show, role
    ):
        client.force_login(staff_user(role))
        page = client.get(self.url(no_show))
        assert page.status_code == 200
        assert (
            "Charge no-show fee $50.00" in page.text and "Visa" in page.text or "4242" in page.text
        )
        response = client.post(
            reverse("payments:fee_charge", args=[no_show.reference, PaymentKind.NO_SHOW_FEE])
        )
        assert response.status_code == 302
        fee = Payment.objects.get(kind=PaymentKind.NO_SHOW_FEE)
        assert (fee.status, fee.amount_cents) == (PaymentStatus.SUCCEEDED, 5000)
        # A second click charges nothing more and says why.
        again = client.post(
            reverse("payments:fee_charge", args=[no_show.reference, PaymentKind.NO_SHOW_FEE])
        )
        assert again.status_code == 400
        assert Payment.objects.filter(kind=PaymentKind.NO_SHOW_FEE).count() == 1
        assert "Charge no-show fee" not in again.text  # not offered twice
        assert LedgerEntry.objects.get(kind=LedgerKind.FEE).actor.groups.get().name == role

    def test_staff_without_a_role_are_refused(self, client, no_show):
        client.force_login(staff_user(None))
        assert client.get(self.url(no_show)).status_code == 403
        fee_url = reverse("payments:fee_charge", args=[no_show.reference, PaymentKind.NO_SHOW_FEE])
        assert client.post(fee_url).status_code == 403
        assert not Payment.objects.filter(kind=PaymentKind.NO_SHOW_FEE).exists()

    def test_a_therapist_and_anonymous_visitors_are_sent_to_the_staff_login(self, client, no_show):
        response = client.get(self.url(no_show))
        assert response.status_code == 302 and "/admin/login/" in response.url
        client.force_login(no_show.therapist.user)  # therapists are not staff
        response = client.get(self.url(no_show))
        assert response.status_code == 302 and "/admin/login/" in response.url

    def test_an_unknown_reference_is_404(self, client, db):
        client.force_login(staff_user(FRONT_DESK))
        assert client.get("/staff/money/bookings/ZZZZZZZZ/").status_code == 404
        assert client.get("/staff/money/bookings/<x>/").status_code == 404

    def test_a_desk_payment_is_recorded_and_bad_amounts_are_400(self, client, no_show):
        client.force_login(staff_user(FRONT_DESK))
        url = reverse("payments:desk_payment", args=[no_show.reference])
        for bad in ["", "-5", "0", "abc", "1e9", "12.345"]:
            assert client.post(url, {"amount": bad, "method": "cash"}).status_code == 400
        assert client.post(url, {"amount": "90", "method": "bitcoin"}).status_code == 400
        assert client.post(url, {"amount": "90.50", "method": "cash"}).status_code == 302
        entry = LedgerEntry.objects.get(kind=LedgerKind.DESK_PAYMENT)
        assert (entry.amount_cents, entry.method) == (9050, Method.CASH)

    def test_query_count_is_fixed(self, client, no_show, django_assert_num_queries):
        user = staff_user(FRONT_DESK)
        client.force_login(user)
        client.get(self.url(no_show))
        # session, user, groups (access rule, once), appointment (+service, style, client,
        # therapist), policy, card on file, payments, ledger, fees already charged and
        # deposits kept (fee options), the admin's two permission look-ups (menu), session
        # update in a savepoint (3).
        with django_assert_num_queries(15):
            client.get(self.url(no_show))


class TestDayTakingsAndCsv:
    def test_the_days_takings_add_up_by_method(self, client, clinic_with_deposits, stripe_on):
        desk = staff_user(FRONT_DESK)
        booked = held(clinic_with_deposits)
        services.deposit_pay(
            appointment=booked.appointment, payment_method="pm_card_visa", save_card=False
        )
        ledger.desk_payment_record(
            amount_cents=9000, method=Method.CASH, appointment=booked.appointment, actor=desk
        )
        ledger.desk_payment_record(amount_cents=2500, method=Method.CARD_TERMINAL, actor=desk)
        client.force_login(desk)
        page = client.get(reverse("payments:day"))
        assert page.status_code == 200
        assert page.context["takings"] == [
            ("Card online (Stripe)", 3000),
            ("Cash", 9000),
            ("Card terminal", 2500),
        ]
        assert page.context["takings_total"] == 14500
        assert "$145.00" in page.text
        assert "Ledger CSV" not in page.text  # manager only

    def test_day_page_query_count_is_fixed(self, client, db, django_assert_num_queries):
        desk = staff_user(FRONT_DESK)
        for amount in (100, 200, 300):
            ledger.desk_payment_record(amount_cents=amount, method=Method.CASH, actor=desk)
        client.force_login(desk)
        client.get(reverse("payments:day"))
        # session, user, groups (once), totals by method, ledger rows (+appointment, actor),
        # the admin's two permission look-ups (menu), session update in a savepoint (3).
        with django_assert_num_queries(10):
            client.get(reverse("payments:day"))

    def test_the_ledger_csv_is_for_managers_only(self, client, db):
        desk = staff_user(FRONT_DESK)
        ledger.desk_payment_record(
            amount_cents=1234, method=Method.CASH, actor=desk, note="=HYPERLINK(evil)",
            payer_name="x",
        )  # fmt: skip
        today = timezone.localdate().isoformat()
        url = f"{reverse('payments:ledger_csv')}?start={today}&end={today}"
        client.force_login(desk)
        assert client.get(url).status_code == 403
        client.force_login(staff_user(CLINIC_MANAGER))
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "text/csv"
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert lines[0].startswith("date,time,kind,method,amount")
        assert "Desk payment,Cash,12.34,USD" in lines[1]
        assert "'=HYPERLINK" not in lines[1] or "Desk payment at the desk" in lines[1]
        assert ",=HYPERLINK" not in lines[1]

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "?start=2026-01-02&end=2026-01-01",
            "?start=x&end=y",
            "?start=2020-01-01&end=2026-01-01",
        ],
    )
    def test_a_bad_range_is_400(self, client, db, query):
        client.force_login(staff_user(CLINIC_MANAGER))
        assert client.get(reverse("payments:ledger_csv") + query).status_code == 400

    def test_receipt_pdf_for_staff_only(self, client, db):
        desk = staff_user(FRONT_DESK)
        payment = ledger.desk_payment_record(amount_cents=1234, method=Method.CASH, actor=desk)
        url = reverse("payments:receipt_pdf", args=[payment.pk])
        client.force_login(staff_user(None))
        assert client.get(url).status_code == 403
        client.force_login(desk)
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")


class TestBankCheck:
    def test_a_card_that_needs_3d_secure_waits_then_the_webhook_confirms_it(
        self, client, clinic_with_deposits, stripe_on
    ):
        import urllib.parse
        import urllib.request

        import stripe

        from tests.payments.conftest import SECRET_KEY

        stripe_client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_on})
        card = stripe_client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {
                    "number": "4000002500003155",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "cvc": "123",
                },
            }
        )  # Stripe's 3-D Secure test card (test set-up only: Stripe.js makes this in production)
        booked = held(clinic_with_deposits)
        response = client.post(deposit_url(booked), {"payment_method": card.id})
        assert response.status_code == 200
        assert "Your bank asks you to confirm" in response.text
        payment = Payment.objects.get()
        assert payment.status == PaymentStatus.PENDING
        intent = stripe_client.v1.payment_intents.retrieve(payment.stripe_payment_intent)
        assert f'data-next-action="{intent.client_secret}"' in response.text
        # What Stripe.js does when the client passes the bank's check:
        request = urllib.request.Request(  # noqa: S310 - our own localstripe
            f"{stripe_on}/v1/payment_intents/{intent.id}/_authenticate",
            data=urllib.parse.urlencode(
                {"client_secret": intent.client_secret, "success": "true"}
            ).encode(),
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
        payload = _event_for(stripe_on, intent.id)
        webhook = client.post(
            WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
        )
        assert webhook.status_code == 200
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.CONFIRMED


STAFF_PAGES = [
    ("get", "/staff/money/"),
    ("get", "/staff/money/gift-cards/sell/"),
    ("post", "/staff/money/gift-cards/sell/"),
    ("get", "/staff/money/packages/sell/"),
    ("post", "/staff/money/packages/sell/"),
    ("get", "/staff/money/ledger.csv?start=2026-01-01&end=2026-01-02"),
]


@pytest.mark.parametrize(("method", "url"), STAFF_PAGES)
def test_every_staff_money_page_refuses_staff_without_a_role_and_anonymous_visitors(
    client, method, url
):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(staff_user(None))
    assert getattr(client, method)(url).status_code == 403
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(("method", "url"), STAFF_PAGES[:-1])
def test_the_front_desk_may_use_every_money_page_but_the_ledger_csv(client, method, url):
    client.force_login(staff_user(FRONT_DESK))
    assert getattr(client, method)(url).status_code in (200, 400)  # 400: an empty sale form


def test_selling_a_gift_card_shows_the_code_once_and_records_the_sale(client, db):
    client.force_login(staff_user(FRONT_DESK))
    response = client.post(
        "/staff/money/gift-cards/sell/",
        {"amount": "75", "purchaser_email": "gift@example.com", "method": "card_terminal"},
    )
    assert response.status_code == 200
    code = response.context["code"]
    assert code.startswith("GIFT-") and code in response.text
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.method, entry.amount_cents) == (
        LedgerKind.GIFT_CARD_ISSUE,
        Method.CARD_TERMINAL,
        7500,
    )
    assert code not in client.get("/staff/money/").text  # never shown again
