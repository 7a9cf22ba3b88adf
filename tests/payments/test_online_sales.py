"""Gift cards and packages bought online (against localstripe), delivered by the sweep on
the chosen morning, spent on deposits, and shown on the buyer's or recipient's /account/."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from accounts.session import SESSION_KEY
from ashiatsu_clinic.sweep import clinic_sweep
from bookings import clients
from bookings.models import AppointmentStatus
from bookings.services import BookingRequest, ClientDetails, booking_create
from health.screening import clear_answers
from payments.models import (
    GiftCard,
    LedgerEntry,
    LedgerKind,
    Package,
    PackagePlan,
    Payment,
    PaymentStatus,
)
from payments.money import hash_code
from tests.factories import ClientFactory
from tests.payments.conftest import to

pytestmark = pytest.mark.django_db

BUY = reverse("payments:gift_card_buy")
PACKAGES = reverse("payments:packages")
ACCOUNT = reverse("accounts:account")
CODE = re.compile(r"GIFT-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
CLINIC = ZoneInfo(settings.CLINIC_TIME_ZONE)


# Read once, so that a run crossing the clinic's midnight keeps one "today" for every time.
TODAY = dt.datetime.now(CLINIC).date()


def at(days_ahead: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """Clinic time, `days_ahead` days from the real today when the module was loaded (the
    test clinic's credentials and hours are relative to it)."""
    day = TODAY + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute, second), CLINIC)


def five_years_on(day: dt.date) -> dt.date:
    """The same date five years later (29 February: the 28th)."""
    return dt.date(day.year + 5, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)


# Bought this afternoon; the gift is for three days later.
BOUGHT_AT = at(0, 15)
GIFT_DAY = BOUGHT_AT.date() + dt.timedelta(days=3)


def sign_in(web, record) -> None:
    """The session a sign-in link leaves (accounts.session.sign_in)."""
    session = web.session
    session[SESSION_KEY] = {"id": record.pk, "email": record.email.lower()}
    session.save()


def gift(**overrides):
    return {
        "amount": "50",
        "purchaser_name": "Ben Buyer",
        "purchaser_email": "ben@example.com",
        "recipient_name": "Fay Friend",
        "recipient_email": "fay@example.com",
        "message": "Happy birthday!",
        "deliver_on": GIFT_DAY.isoformat(),
        "payment_method": "pm_card_visa",
        **overrides,
    }


def book_online(clinic, record, start):
    """An online booking made while signed in, as the booking pages write it."""
    booked = booking_create(
        BookingRequest(
            service=clinic.bar_60,
            therapist=clinic.therapists[0],
            start=start,
            client=ClientDetails(name=record.name, email=record.email, phone="+1 212 555 0199"),
            answers=clear_answers(),
            record=record,
        )
    )
    clients.client_join_signed_in(record=record, appointment=booked.appointment)
    booked.appointment.refresh_from_db()
    return booked


def deposit_url(booked):
    appointment = booked.appointment
    return reverse("payments:deposit", args=[appointment.reference, appointment.pay_token])


class TestGiftCardForAFriend:
    def test_bought_for_a_later_day_it_arrives_that_morning_pays_a_deposit_and_shows_its_balance(
        self, client, clinic_with_deposits, stripe_on, run_after_commit
    ):
        with time_machine.travel(BOUGHT_AT, tick=False):
            response = run_after_commit(client.post, BUY, gift())
            assert response.status_code == 302, response.content
            # The buyer has a receipt (amount, no code); the friend has nothing yet.
            receipt = to("ben@example.com")
            assert len(receipt) == 1 and "$50.00" in receipt[0].body
            assert not CODE.search(receipt[0].body) and not to("fay@example.com")
            card = GiftCard.objects.get()
            # Valid five years, to the end of the day (US federal law's minimum).
            expiry = card.expires_at.astimezone(CLINIC)
            assert (expiry.date(), expiry.time()) == (
                five_years_on(BOUGHT_AT.date()) + dt.timedelta(days=1),
                dt.time(0, 0),
            )
            sale = LedgerEntry.objects.get(kind=LedgerKind.GIFT_CARD_ISSUE)
            assert (sale.amount_cents, sale.gift_card) == (5000, card)
        # The worker's sweep runs all along: nothing before 9:00 on the Thursday.
        for moment in (at(1, 9, 30), at(3, 8, 59, 59)):
            with time_machine.travel(moment, tick=False):
                clinic_sweep()
                assert not to("fay@example.com")
        with time_machine.travel(at(3, 9, 0, 30), tick=False):
            clinic_sweep()
            delivered = to("fay@example.com")
            assert len(delivered) == 1
            assert "Ben Buyer" in delivered[0].body and "Happy birthday!" in delivered[0].body
            five_years = five_years_on(BOUGHT_AT.date())
            assert f"Valid until {five_years:%-d %B %Y}." in delivered[0].body
            code = CODE.search(delivered[0].body).group(0)
            assert card.code_hash == GiftCard.objects.get().code_hash == hash_code(code)
            clinic_sweep()
            assert len(to("fay@example.com")) == 1  # once

            # Fay books a $120 session with a $30 deposit and pays it with the card.
            fay = ClientFactory(name="Fay Friend", email="fay@example.com")
            booked = book_online(clinic_with_deposits, fay, start=at(6, 10))
            paid = client.post(deposit_url(booked), {"gift_code": code})
            assert paid.status_code == 302
            booked.appointment.refresh_from_db()
            assert booked.appointment.status == AppointmentStatus.CONFIRMED
            assert GiftCard.objects.get().balance_cents == 2000
            balance = client.post(reverse("payments:gift_card_balance"), {"code": code})
            assert "$20.00" in balance.text
            # ... and on her account page: the balance and the last four, never the code.
            sign_in(client, fay)
            page = client.get(ACCOUNT).text
            assert "$20.00 left of $50.00" in page and code[-4:] in page
            assert code not in page


class TestGiftCardPage:
    def test_the_page_asks_for_the_details_with_stripe_allowed(self, client, stripe_on):
        response = client.get(BUY)
        assert (
            response.status_code == 200
            and "js.stripe.com" in response.headers["Content-Security-Policy"]
        )

    @pytest.mark.parametrize(
        ("field", "value", "says"),
        [
            ("amount", "5", "A gift card is worth from $10.00 to $500.00."),
            ("amount", "5000", "A gift card is worth from $10.00 to $500.00."),
            ("amount", "12.345", "at most two decimals"),
            ("amount", "ten", "Enter an amount"),
            ("deliver_on", str(BOUGHT_AT.date() - dt.timedelta(days=1)), "Choose today or a"),
            ("deliver_on", str(BOUGHT_AT.date() + dt.timedelta(days=400)), "within 366 days."),
            ("recipient_email", "not-an-address", "Please check the details below."),
            ("payment_method", "", "card details did not come through"),
        ],
    )
    def test_bad_input_is_a_400_with_a_message_and_charges_nothing(
        self, client, stripe_on, field, value, says
    ):
        with time_machine.travel(BOUGHT_AT, tick=False):
            response = client.post(BUY, gift(**{field: value}))
        assert response.status_code == 400 and says in response.text
        assert not GiftCard.objects.exists() and not Payment.objects.exists()

    def test_a_declined_card_is_a_400_and_the_card_is_never_usable(self, client, stripe_on):
        response = client.post(BUY, gift(payment_method="pm_card_chargeDeclined", deliver_on=""))
        assert response.status_code == 400
        assert Payment.objects.get().status == PaymentStatus.FAILED
        assert GiftCard.objects.get().code_hash is None and not to("fay@example.com")

    def test_bought_for_oneself_today_the_code_comes_at_once_to_the_buyer(
        self, client, stripe_on, run_after_commit
    ):
        response = run_after_commit(
            client.post, BUY, gift(recipient_email="", recipient_name="", deliver_on="")
        )
        assert response.status_code == 302
        mails = to("ben@example.com")
        assert len(mails) == 2 and sum(bool(CODE.search(m.body)) for m in mails) == 1

    def test_without_stripe_it_is_sold_at_the_desk(self, client, db):
        assert "sold at the clinic" in client.get(BUY).text
        assert client.post(BUY, gift()).status_code == 400


@pytest.fixture
def plan(clinic_with_deposits):
    return PackagePlan.objects.create(
        name="Three bar sessions", style=clinic_with_deposits.bar_60.style, sessions=3,
        price_cents=10000, valid_days=180,
    )  # fmt: skip


class TestPackagesOnline:
    def test_bought_online_it_is_offered_at_the_next_booking_and_redeems_one_session(
        self, client, clinic_with_deposits, plan, stripe_on, run_after_commit
    ):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        sign_in(client, ada)
        response = run_after_commit(
            client.post, PACKAGES, {"plan": plan.pk, "payment_method": "pm_card_visa"}
        )
        assert response.status_code == 302 and response.url == ACCOUNT
        package = Package.objects.get()
        assert (package.client, package.sessions_left, package.price_cents) == (ada, 3, 10000)
        assert package.expires_at is not None
        receipt = to("ada@example.com")[-1]
        assert "PKG-" in receipt.body and "$100.00" in receipt.body
        assert "3 of 3 sessions left" in client.get(ACCOUNT).text

        booked = book_online(clinic_with_deposits, ada, start=_in_days(4))
        page = client.get(deposit_url(booked))
        assert "Use a session of Three bar sessions (3 left)" in page.text
        used = client.post(
            deposit_url(booked), {"action": "own_package", "package": str(package.pk)}
        )
        assert used.status_code == 302
        booked.appointment.refresh_from_db()
        assert booked.appointment.status == AppointmentStatus.CONFIRMED
        package.refresh_from_db()
        assert package.sessions_left == 2
        # The first session carries the remainder cent: 33.34 + 33.33 + 33.33.
        redeemed = LedgerEntry.objects.get(kind=LedgerKind.PACKAGE_REDEMPTION)
        assert redeemed.amount_cents == 3334
        assert "2 of 3 sessions left" in client.get(ACCOUNT).text

    def test_another_clients_package_is_neither_offered_nor_usable(
        self, client, clinic_with_deposits, plan, stripe_on
    ):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        grace = ClientFactory(name="Grace Hopper", email="grace@example.com")
        sign_in(client, ada)
        client.post(PACKAGES, {"plan": plan.pk, "payment_method": "pm_card_visa"})
        package = Package.objects.get()
        other = type(client)()
        sign_in(other, grace)
        booked = book_online(clinic_with_deposits, grace, start=_in_days(4))
        assert "Use a session of" not in other.get(deposit_url(booked)).text
        stolen = other.post(
            deposit_url(booked), {"action": "own_package", "package": str(package.pk)}
        )
        assert stolen.status_code == 400
        package.refresh_from_db()
        assert package.sessions_left == 3
        # Grace's account page shows nothing of Ada's.
        assert "Three bar sessions" not in other.get(ACCOUNT).text

    @pytest.mark.parametrize("package", ["", "abc", "999999"])
    def test_a_bad_package_id_is_a_400(self, client, clinic_with_deposits, stripe_on, package):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        sign_in(client, ada)
        booked = book_online(clinic_with_deposits, ada, start=_in_days(4))
        response = client.post(deposit_url(booked), {"action": "own_package", "package": package})
        assert response.status_code == 400

    def test_buying_needs_a_signed_in_client_and_a_plan_on_sale(self, client, plan, stripe_on):
        assert "Sign in to buy a package" in client.get(PACKAGES).text
        anonymous = client.post(PACKAGES, {"plan": plan.pk, "payment_method": "pm_card_visa"})
        assert anonymous.status_code == 302 and not Package.objects.exists()
        sign_in(client, ClientFactory(email="ada@example.com"))
        plan.active = False
        plan.save()
        refused = client.post(PACKAGES, {"plan": plan.pk, "payment_method": "pm_card_visa"})
        assert refused.status_code == 400 and "not on sale" in refused.text
        assert not Package.objects.exists()

    def test_an_expired_package_is_not_offered(self, client, clinic_with_deposits, plan, stripe_on):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        sign_in(client, ada)
        client.post(PACKAGES, {"plan": plan.pk, "payment_method": "pm_card_visa"})
        Package.objects.update(expires_at=at(-1, 0))
        booked = book_online(clinic_with_deposits, ada, start=_in_days(4))
        assert "Use a session of" not in client.get(deposit_url(booked)).text
        assert "expired" in client.get(ACCOUNT).text


def _in_days(days: int) -> dt.datetime:
    return at(days, 10)


class TestInSpanish:
    def test_the_page_and_its_refusals_are_in_spanish(self, client, stripe_on, settings):
        settings.PAYMENTS_CURRENCY, settings.PAYMENTS_LOCALE = "eur", "es_ES"
        page = client.get(BUY, HTTP_ACCEPT_LANGUAGE="es")
        assert "Comprar una tarjeta regalo" in page.text
        refused = client.post(BUY, gift(amount="5000"), HTTP_ACCEPT_LANGUAGE="es")
        assert refused.status_code == 400
        assert "Una tarjeta regalo vale de 10,00\xa0€ a 500,00\xa0€." in refused.text


class TestRateLimit:
    def test_card_payments_from_one_address_are_limited(self, client, stripe_on, settings):
        from django.core.cache import cache

        cache.clear()
        settings.RATELIMIT_ENABLE = True
        settings.ONLINE_PURCHASE_RATE = "2/m"
        answers = [
            client.post(BUY, gift(payment_method="pm_card_chargeDeclined")).status_code
            for _ in range(3)
        ]
        assert answers == [400, 400, 429]
        cache.clear()


def manage_url(booked):
    return reverse("bookings:manage", args=[booked.appointment.reference, booked.manage_token])


class TestPackageOnAServiceWithoutDeposit:
    """A service with no deposit never reaches the deposit page: the booking's manage page
    offers the signed-in client's package instead."""

    @pytest.fixture
    def floor_plan(self, clinic_with_deposits):
        return PackagePlan.objects.create(
            name="Floor trio", style=clinic_with_deposits.floor_60.style, sessions=3,
            price_cents=10000,
        )  # fmt: skip

    def book_floor(self, clinic, record):
        booked = booking_create(
            BookingRequest(
                service=clinic.floor_60,
                therapist=None,
                start=at(5, 11),
                client=ClientDetails(name=record.name, email=record.email, phone="+1 212 555 0199"),
                answers=clear_answers(),
                record=record,
            )
        )
        clients.client_join_signed_in(record=record, appointment=booked.appointment)
        booked.appointment.refresh_from_db()
        return booked

    def test_the_manage_page_offers_the_package_and_one_tap_uses_a_session(
        self, client, clinic_with_deposits, floor_plan, stripe_on
    ):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        sign_in(client, ada)
        client.post(PACKAGES, {"plan": floor_plan.pk, "payment_method": "pm_card_visa"})
        booked = self.book_floor(clinic_with_deposits, ada)
        assert booked.appointment.status == AppointmentStatus.CONFIRMED
        page = client.get(manage_url(booked)).text
        assert "Use a session of Floor trio (3 left)" in page
        package = Package.objects.get()
        use = reverse("payments:package_use", args=[booked.appointment.reference])
        assert client.post(use, {"package": package.pk}).status_code == 302
        package.refresh_from_db()
        assert package.sessions_left == 2
        assert "Use a session of" not in client.get(manage_url(booked)).text
        again = client.post(use, {"package": package.pk})
        assert again.status_code == 400
        package.refresh_from_db()
        assert package.sessions_left == 2

    def test_signed_out_or_someone_else_gets_no_offer_and_cannot_use_it(
        self, client, clinic_with_deposits, floor_plan, stripe_on
    ):
        ada = ClientFactory(name="Ada Client", email="ada@example.com")
        sign_in(client, ada)
        client.post(PACKAGES, {"plan": floor_plan.pk, "payment_method": "pm_card_visa"})
        package = Package.objects.get()
        booked = self.book_floor(clinic_with_deposits, ada)
        use = reverse("payments:package_use", args=[booked.appointment.reference])
        stranger = type(client)()
        assert "Use a session of" not in stranger.get(manage_url(booked)).text
        assert stranger.post(use, {"package": package.pk}).status_code == 302  # to sign in
        grace = ClientFactory(name="Grace Hopper", email="grace@example.com")
        sign_in(stranger, grace)
        assert "Use a session of" not in stranger.get(manage_url(booked)).text
        assert stranger.post(use, {"package": package.pk}).status_code == 404
        bad = client.post(reverse("payments:package_use", args=["not a ref"]), {"package": "x"})
        assert bad.status_code == 404
        package.refresh_from_db()
        assert package.sessions_left == 3
