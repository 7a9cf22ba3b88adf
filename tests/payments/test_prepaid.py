"""Packages and gift cards: sale, redemption, balances that never go below zero."""

import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.db import connection

from bookings.models import AppointmentStatus
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from payments import gift_cards, packages, services
from payments.ledger import PaymentError
from payments.models import (
    GiftCard,
    LedgerEntry,
    LedgerKind,
    Method,
    Package,
    PackagePlan,
    Payment,
    PaymentKind,
)
from payments.money import hash_code
from tests.bookings.clinic import build_clinic, local_time
from tests.factories import AppointmentFactory, StyleFactory, UserFactory

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def sell_package(staff_without_role, sessions=3):
    plan = PackagePlan.objects.create(
        name=f"{sessions} bar sessions", style=StyleFactory(slug="bar"), sessions=sessions,
        price_cents=30000,
    )  # fmt: skip
    return packages.package_sell(
        plan=plan,
        client_name="Ada",
        client_email="ada@example.com",
        method=Method.CASH,
        actor=staff_without_role,
    )


@pytest.mark.django_db
class TestPackages:
    def test_a_sale_records_the_money_and_keeps_only_a_hash_of_the_code(self, staff_without_role):
        package, code = sell_package(staff_without_role)
        assert package.code_hash == hash_code(code) and code not in package.code_hash
        assert package.sessions_left == 3
        sale = LedgerEntry.objects.get(kind=LedgerKind.PACKAGE_SALE)
        assert (sale.amount_cents, sale.method, sale.sessions, sale.package) == (
            30000,
            Method.CASH,
            3,
            package,
        )

    def test_a_held_booking_paid_with_a_package_counts_and_the_balance_goes_down(
        self, clinic_with_fixed_deposit, stripe_on, staff_without_role
    ):
        package, code = sell_package(staff_without_role)
        appointment = booking_create(
            service=clinic_with_fixed_deposit.bar_60,
            therapist=clinic_with_fixed_deposit.therapists[0],
            start=local_time(3, 10),
            client=ADA,
            answers=clear_answers(),
        ).appointment
        assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT
        packages.package_redeem(code=code.lower().replace("-", " "), appointment=appointment)
        appointment.refresh_from_db()
        package.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert package.sessions_left == 2
        used = LedgerEntry.objects.get(kind=LedgerKind.PACKAGE_REDEMPTION)
        assert (used.sessions, used.method, used.amount_cents) == (-1, Method.PACKAGE, 10000)
        assert "2 left" in used.description
        with pytest.raises(PaymentError, match="already paid"):
            packages.package_redeem(code=code, appointment=appointment)

    def test_it_refuses_another_style_an_unknown_code_and_an_empty_package(
        self, staff_without_role
    ):
        package, code = sell_package(staff_without_role, sessions=1)
        floor = AppointmentFactory(service__style=StyleFactory(slug="floor"))
        with pytest.raises(PaymentError, match="for Bar"):
            packages.package_redeem(code=code, appointment=floor)
        with pytest.raises(PaymentError, match="No package"):
            packages.package_redeem(code="PKG-0000-0000-0000", appointment=floor)
        bar_a = AppointmentFactory(service__style=package.plan.style)
        packages.package_redeem(code=code, appointment=bar_a)
        bar_b = AppointmentFactory(service__style=package.plan.style)
        with pytest.raises(PaymentError, match="no sessions left"):
            packages.package_redeem(code=code, appointment=bar_b)


@pytest.mark.django_db
class TestGiftCards:
    def test_issue_then_partial_redemptions_until_it_is_used_up(self, staff_without_role):
        card, code = gift_cards.gift_card_issue(
            amount_cents=5000, recipient_name="Bo", purchaser_email="ada@example.com",
            method=Method.CARD_TERMINAL, actor=staff_without_role,
        )  # fmt: skip
        assert card.code_hash == hash_code(code)
        assert gift_cards.gift_card_balance(code) == 5000
        assert gift_cards.gift_card_redeem(code=code, amount_cents=3000) == 3000
        assert gift_cards.gift_card_redeem(code=code, amount_cents=3000) == 2000  # what is left
        assert gift_cards.gift_card_balance(code) == 0
        with pytest.raises(PaymentError, match="used up"):
            gift_cards.gift_card_redeem(code=code, amount_cents=100)
        kinds = list(LedgerEntry.objects.values_list("kind", "amount_cents"))
        assert kinds == [
            (LedgerKind.GIFT_CARD_ISSUE, 5000),
            (LedgerKind.GIFT_CARD_REDEMPTION, 3000),
            (LedgerKind.GIFT_CARD_REDEMPTION, 2000),
        ]

    def test_a_gift_card_pays_part_of_a_deposit_and_a_card_the_rest(
        self, clinic_with_fixed_deposit, stripe_on, staff_without_role
    ):
        card, code = gift_cards.gift_card_issue(
            amount_cents=1000, recipient_name="", purchaser_email="ada@example.com",
            method=Method.CASH, actor=staff_without_role,
        )  # fmt: skip
        appointment = booking_create(
            service=clinic_with_fixed_deposit.bar_60, therapist=clinic_with_fixed_deposit.therapists[0], start=local_time(3, 10),
            client=ADA, answers=clear_answers(),
        ).appointment  # fmt: skip
        payment = services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False, gift_code=code
        )
        assert payment.amount_cents == 2000  # $30 deposit less the $10 gift card
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED
        deposits = Payment.objects.filter(kind=PaymentKind.DEPOSIT).order_by("method")
        assert [(p.method, p.amount_cents) for p in deposits] == [
            (Method.GIFT_CARD, 1000),
            (Method.STRIPE, 2000),
        ]

    def test_a_refunded_gift_card_deposit_goes_back_on_the_card(
        self, clinic_with_fixed_deposit, stripe_on, staff_without_role
    ):
        card, code = gift_cards.gift_card_issue(
            amount_cents=5000, recipient_name="", purchaser_email="ada@example.com",
            method=Method.CASH, actor=staff_without_role,
        )  # fmt: skip
        appointment = booking_create(
            service=clinic_with_fixed_deposit.bar_60, therapist=clinic_with_fixed_deposit.therapists[0], start=local_time(3, 10),
            client=ADA, answers=clear_answers(),
        ).appointment  # fmt: skip
        assert (
            services.deposit_pay(
                appointment=appointment, payment_method="", save_card=False, gift_code=code
            )
            is None
        )
        assert gift_cards.gift_card_balance(code) == 2000
        assert services.deposits_settle_on_cancel(appointment_id=appointment.pk, late=False) == 3000
        assert gift_cards.gift_card_balance(code) == 5000


THREADS = 10


def _race(task):
    barrier = threading.Barrier(THREADS)

    def run(index):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            return task(index)
        except Exception as error:  # each outcome is asserted on
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(run, i) for i in range(THREADS)]
        done, not_done = wait(futures, timeout=60)
        assert not not_done
        return [f.result() for f in futures]


@pytest.mark.django_db(transaction=True)
class TestConcurrentRedemptions:
    def test_ten_bookings_racing_for_a_three_session_package_leave_three_winners(
        self, postgres_only
    ):
        staff_without_role = UserFactory(username="desk", is_staff=True)
        package, code = sell_package(staff_without_role, sessions=3)
        appointments = [
            AppointmentFactory(service__style=package.plan.style) for i in range(THREADS)
        ]
        outcomes = _race(lambda i: packages.package_redeem(code=code, appointment=appointments[i]))
        winners = [o for o in outcomes if isinstance(o, Package)]
        losers = [o for o in outcomes if not isinstance(o, Package)]
        assert len(winners) == 3
        assert all(isinstance(o, PaymentError) for o in losers), losers
        package.refresh_from_db()
        assert package.sessions_left == 0
        assert LedgerEntry.objects.filter(kind=LedgerKind.PACKAGE_REDEMPTION).count() == 3

    def test_ten_spends_racing_on_one_gift_card_never_take_more_than_its_balance(
        self, postgres_only
    ):
        staff_without_role = UserFactory(username="desk", is_staff=True)
        card, code = gift_cards.gift_card_issue(
            amount_cents=10000, recipient_name="", purchaser_email="a@example.com",
            method=Method.CASH, actor=staff_without_role,
        )  # fmt: skip
        outcomes = _race(lambda i: gift_cards.gift_card_redeem(code=code, amount_cents=3000))
        taken = [o for o in outcomes if isinstance(o, int)]
        assert sorted(taken) == [1000, 3000, 3000, 3000]
        assert all(isinstance(o, PaymentError) for o in outcomes if not isinstance(o, int))
        card.refresh_from_db()
        assert card.balance_cents == 0

    def test_the_database_refuses_a_negative_balance_even_without_the_lock(self, postgres_only):
        from django.db import IntegrityError

        card = GiftCard.objects.create(
            code_hash="x" * 64, code_hint="XXXX", initial_cents=100, balance_cents=100,
            purchaser_email="a@example.com",
        )  # fmt: skip
        with pytest.raises(IntegrityError):
            GiftCard.objects.filter(pk=card.pk).update(balance_cents=-1)


@pytest.fixture
def clinic_with_fixed_deposit(db):
    from payments.models import DepositKind, PaymentPolicy

    clinic_with_fixed_deposit = build_clinic()
    PaymentPolicy.objects.create(
        service=clinic_with_fixed_deposit.bar_60, deposit_kind=DepositKind.FIXED, deposit_value=3000,
        no_show_fee_cents=8000, late_cancel_fee_cents=5000,
    )  # fmt: skip
    return clinic_with_fixed_deposit
