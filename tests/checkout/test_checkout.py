"""Ringing a session up against localstripe: the bill, codes, tax, tip, deposit, the charge
of exactly what is owed, the ledger, the itemised receipt."""

import datetime as dt
import io

import pytest
from django.core import mail
from pypdf import PdfReader

from checkout import services
from checkout.models import Checkout, PromoCode, PromoKind, PromoRedemption
from checkout.services import CheckoutError
from core.clock import clinic_today
from payments.models import LedgerEntry, LedgerKind, Method, Payment, PaymentKind
from tests.checkout.conftest import book_paid
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def pdf_text(message) -> str:
    (content,) = [a[1] for a in message.attachments if a[2] == "application/pdf"]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class TestTheDoneWhenCheckout:
    """$120 session, 10 % code, 8.875 % tax, 18 % tip, $30 deposit, by hand:
    120.00 − 12.00 = 108.00; tax 8.875 % of 108.00 = 9.585 → 9.59 (half up);
    tip 18 % of 120.00 = 21.60; total 108.00 + 9.59 + 21.60 = 139.19; owed 139.19 − 30 = 109.19,
    of which 87.59 is the bill and 21.60 the tip."""

    def test_the_card_on_file_is_charged_exactly_the_rest_and_the_ledger_sums_to_the_bill(
        self, paid_booking, localstripe_url, run_after_commit
    ):
        desk = UserFactory(is_staff=True)
        bill = services.checkout_update(appointment=paid_booking, tip_cents=2160, code="TenOff")
        assert [(line.kind, line.cents) for line in bill.lines] == [
            ("service", 12000),
            ("discount", -1200),
            ("tax", 959),
            ("tip", 2160),
            ("payment", -3000),
        ]
        assert (bill.total_cents, bill.paid_cents, bill.owed_cents) == (13919, 3000, 10919)
        mail.outbox.clear()
        checkout = run_after_commit(
            services.checkout_take,
            appointment=paid_booking,
            method=services.CARD_ON_FILE,
            card_agreed=True,
            actor=desk,
        )
        charges = Payment.objects.filter(appointment=paid_booking).exclude(kind=PaymentKind.DEPOSIT)
        assert sorted((p.kind, p.method, p.amount_cents, p.status) for p in charges) == [
            ("checkout", "stripe", 8759, "succeeded"),
            ("tip", "stripe", 2160, "succeeded"),
        ]
        assert all(p.stripe_payment_intent.startswith("pi_") for p in charges)
        entries = LedgerEntry.objects.filter(appointment=paid_booking)
        assert sorted((e.kind, e.amount_cents) for e in entries) == [
            (LedgerKind.CHARGE, 3000),
            (LedgerKind.CHARGE, 8759),
            (LedgerKind.TIP, 2160),
        ]
        assert sum(e.amount_cents for e in entries) == 13919 == bill.total_cents
        assert services.bill_for(paid_booking).owed_cents == 0
        assert checkout.closed_at and checkout.closed_by == desk and checkout.tax_cents == 959
        # One itemised receipt for the checkout (no per-charge receipts), every line on it.
        receipts = [m for m in mail.outbox if m.to == ["mei@example.com"]]
        (receipt,) = [m for m in receipts if "C-" in m.subject]
        assert not [m for m in receipts if "R-" in m.subject]
        for words in ("$120.00", "-$12.00", "$9.59", "$21.60", "-$30.00", "$139.19", "TENOFF"):
            assert words in receipt.body, words
            assert words in pdf_text(receipt), words
        assert "/tip/" not in receipt.body  # a tip was given: no tip offer

    def test_cash_takes_the_rest_in_two_desk_payments_bill_and_tip(self, paid_booking):
        desk = UserFactory(is_staff=True)
        services.checkout_update(appointment=paid_booking, tip_cents=2160, code="TENOFF")
        services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=desk)
        entries = LedgerEntry.objects.filter(appointment=paid_booking, method=Method.CASH)
        assert sorted((e.kind, e.amount_cents) for e in entries) == [
            (LedgerKind.DESK_PAYMENT, 8759),
            (LedgerKind.TIP, 2160),
        ]
        with pytest.raises(CheckoutError, match="already checked out"):
            services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=desk)

    def test_the_card_on_file_needs_the_clients_word_and_a_card(self, paid_booking, taxed_clinic):
        desk = UserFactory(is_staff=True)
        with pytest.raises(CheckoutError, match="saved for fees"):
            services.checkout_take(
                appointment=paid_booking, method=services.CARD_ON_FILE, actor=desk
            )
        no_card = book_paid(taxed_clinic, days=4, save_card=False)
        with pytest.raises(CheckoutError, match="no card on file"):
            services.checkout_take(
                appointment=no_card, method=services.CARD_ON_FILE, card_agreed=True, actor=desk
            )
        assert not Payment.objects.filter(kind=PaymentKind.CHECKOUT).exists()
        with pytest.raises(CheckoutError, match="how the client pays"):
            services.checkout_take(appointment=no_card, method="stripe", actor=desk)

    def test_a_tip_out_of_bounds_is_refused(self, paid_booking):
        for tip in (-1, 12001):
            with pytest.raises(CheckoutError, match="between 0 and"):
                services.checkout_update(appointment=paid_booking, tip_cents=tip)
        assert services.bill_for(paid_booking).tip_cents == 0

    def test_a_taken_claim_refuses_a_second_desk(self, paid_booking):
        desk = UserFactory(is_staff=True)
        checkout = Checkout.objects.create(appointment=paid_booking)
        assert services._claim(checkout, closed=False)
        with pytest.raises(CheckoutError, match="being paid already"):
            services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=desk)
        assert not Payment.objects.filter(kind=PaymentKind.CHECKOUT).exists()


class TestPromoCodes:
    def code(self, **fields):
        return PromoCode.objects.create(
            **{"code": "SPRING", "kind": PromoKind.AMOUNT, "value": 1500} | fields
        )

    def test_an_amount_off_and_its_lines_add_up(self, paid_booking):
        self.code()
        bill = services.checkout_update(appointment=paid_booking, tip_cents=0, code="spring")
        # 120 − 15 = 105; tax 8.875 % of 105 = 9.31875 → 9.32.
        assert (bill.sum_of("discount"), bill.sum_of("tax"), bill.total_cents) == (
            -1500,
            932,
            11432,
        )

    def test_a_code_before_or_after_its_dates_is_refused_with_the_date(self, paid_booking):
        today = clinic_today()
        self.code(valid_until=today - dt.timedelta(days=1))
        with pytest.raises(CheckoutError, match=f"expired on {today - dt.timedelta(days=1)}"):
            services.checkout_update(appointment=paid_booking, tip_cents=None, code="SPRING")
        self.code(code="LATER", valid_from=today + dt.timedelta(days=2))
        with pytest.raises(CheckoutError, match="can be used from"):
            services.checkout_update(appointment=paid_booking, tip_cents=None, code="LATER")
        assert not PromoRedemption.objects.exists()

    def test_a_code_past_its_total_or_per_client_limit_is_refused(self, paid_booking, taxed_clinic):
        self.code(max_uses=1)
        services.checkout_update(appointment=paid_booking, tip_cents=None, code="SPRING")
        other = book_paid(taxed_clinic, days=4)
        with pytest.raises(CheckoutError, match="used as many times as it may be"):
            services.checkout_update(appointment=other, tip_cents=None, code="SPRING")
        self.code(code="ONCEEACH", max_uses_per_client=1)
        services.checkout_update(appointment=other, tip_cents=None, code="ONCEEACH")
        third = book_paid(taxed_clinic, days=5)  # Mei again (same record)
        with pytest.raises(CheckoutError, match="This client has already used"):
            services.checkout_update(appointment=third, tip_cents=None, code="ONCEEACH")

    def test_a_code_for_other_services_or_unknown_or_a_second_code_is_refused(
        self, paid_booking, taxed_clinic
    ):
        floor_only = self.code()
        floor_only.services.set([taxed_clinic.floor_60])
        with pytest.raises(CheckoutError, match="does not apply to"):
            services.checkout_update(appointment=paid_booking, tip_cents=None, code="SPRING")
        with pytest.raises(CheckoutError, match="No promo code matches"):
            services.checkout_update(appointment=paid_booking, tip_cents=None, code="NOPE")
        services.checkout_update(appointment=paid_booking, tip_cents=None, code="TENOFF")
        with pytest.raises(CheckoutError, match="already applied"):
            services.checkout_update(appointment=paid_booking, tip_cents=None, code="TENOFF")

    def test_a_cancelled_booking_cannot_be_checked_out(self, paid_booking):
        paid_booking.status = "cancelled"
        paid_booking.save(update_fields=["status"])
        with pytest.raises(CheckoutError, match="cancelled booking cannot be checked out"):
            services.checkout_update(appointment=paid_booking, tip_cents=0)


def test_the_receipt_reads_in_the_clients_language(paid_booking, run_after_commit):
    paid_booking.language = "es"
    paid_booking.save(update_fields=["language"])
    desk = UserFactory(is_staff=True)
    services.checkout_update(appointment=paid_booking, tip_cents=1000, code="TENOFF")
    mail.outbox.clear()
    run_after_commit(
        services.checkout_take, appointment=paid_booking, method=Method.CASH, actor=desk
    )
    (receipt,) = [m for m in mail.outbox if m.to == ["mei@example.com"]]
    assert "Gracias por su visita" in receipt.body
    assert "Propina: $10.00" in receipt.body and "Impuesto sobre las ventas: $9.59" in receipt.body
    assert "Código TENOFF" in receipt.body and "Efectivo" in receipt.body
    assert "Sales tax" in pdf_text(receipt)  # the PDF stays in the clinic's accounting language


def staff_booking(clinic, desk, hour=10):
    from bookings.services import ClientDetails, booking_create
    from health.screening import clear_answers
    from tests.bookings.clinic import local_time

    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[1],
        start=local_time(3, hour),
        client=ClientDetails(name="Kai", email="kai@example.com", phone="+1 212 555 0101"),
        answers=clear_answers(),
        actor=desk,
    ).appointment


def test_a_gift_card_spent_at_the_desk_is_a_payment_on_the_bill(taxed_clinic, front_desk):
    from payments.gift_cards import gift_card_issue, gift_card_redeem

    appointment = staff_booking(taxed_clinic, front_desk)
    _card, code = gift_card_issue(
        amount_cents=5000,
        recipient_name="Kai",
        purchaser_email="kai@example.com",
        method=Method.CASH,
        actor=front_desk,
    )
    gift_card_redeem(code=code, amount_cents=5000, appointment=appointment, actor=front_desk)
    bill = services.bill_for(appointment)
    assert bill.lines[-1].label == "Gift card" and bill.lines[-1].cents == -5000
    assert bill.owed_cents == 12000 + 1065 - 5000
    services.checkout_take(appointment=appointment, method=Method.CARD_TERMINAL, actor=front_desk)
    assert services.ledger_total(appointment) == 13065 == services.bill_for(appointment).total_cents


def test_a_package_session_pays_the_session_and_its_tax_not_the_tip(taxed_clinic, front_desk):
    from payments.models import PackagePlan
    from payments.packages import package_redeem, package_sell

    appointment = staff_booking(taxed_clinic, front_desk)
    plan = PackagePlan.objects.create(
        name="Three bar", style=taxed_clinic.bar_60.style, sessions=3, price_cents=30000
    )
    _package, code = package_sell(
        plan=plan, client_name="Kai", client_email="kai@example.com", method=Method.CASH,
        actor=front_desk,
    )  # fmt: skip
    package_redeem(code=code, appointment=appointment, actor=front_desk)
    services.checkout_update(appointment=appointment, tip_cents=1800)
    bill = services.bill_for(appointment)
    assert [(line.kind, line.cents) for line in bill.lines] == [
        ("service", 12000),
        ("tax", 1065),
        ("tip", 1800),
        ("payment", -13065),
    ]
    assert bill.owed_cents == 1800
    services.checkout_take(appointment=appointment, method=Method.CASH, actor=front_desk)
    (tip,) = LedgerEntry.objects.filter(appointment=appointment, kind=LedgerKind.TIP)
    assert tip.amount_cents == 1800
