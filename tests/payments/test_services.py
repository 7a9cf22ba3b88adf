"""Deposits, refunds, fees and the ledger, against localstripe through the production client."""

import datetime as dt
import io

import pytest
import stripe
import time_machine
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from ashiatsu_clinic.sweep import clinic_sweep
from bookings.booking_changes import booking_cancel
from bookings.models import AppointmentStatus
from bookings.services import TAKEN, BookingError, ClientDetails, booking_create
from bookings.session_status import appointment_set_status
from health.screening import clear_answers
from payments import ledger, services
from payments.ledger import PaymentError
from payments.models import (
    CardOnFile,
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    PaymentKind,
    PaymentStatus,
)
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from tests.payments.conftest import SECRET_KEY, to

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def book(clinic_with_deposits, start=None, **kwargs):
    return booking_create(
        service=kwargs.pop("service", clinic_with_deposits.bar_60),
        therapist=clinic_with_deposits.therapists[0],
        start=start or local_time(3, 10),
        client=ADA,
        answers=clear_answers(),
        **kwargs,
    ).appointment


def refunds_at_stripe(url, payment_intent):
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url})
    return [r.amount for r in client.v1.refunds.list(params={"payment_intent": payment_intent})]


def pdf_text(message) -> str:
    (name, content, mimetype) = next(a for a in message.attachments if a[2] == "application/pdf")
    assert name.endswith(".pdf")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class TestWithoutStripeKeys:
    def test_the_clinic_runs_as_before_bookings_are_confirmed_and_nothing_is_asked(
        self, clinic_with_deposits, settings
    ):
        settings.PAYMENTS_ENABLED = False
        appointment = book(clinic_with_deposits)
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert not Payment.objects.exists()

    def test_a_desk_payment_still_goes_in_the_ledger(
        self, clinic_with_deposits, settings, staff_without_role
    ):
        settings.PAYMENTS_ENABLED = False
        appointment = book(clinic_with_deposits)
        ledger.desk_payment_record(
            amount_cents=12000,
            method=Method.CASH,
            appointment=appointment,
            actor=staff_without_role,
        )
        (entry,) = LedgerEntry.objects.all()
        assert (entry.kind, entry.method, entry.amount_cents) == (
            LedgerKind.DESK_PAYMENT,
            Method.CASH,
            12000,
        )


class TestDeposit:
    def test_an_online_booking_waits_for_the_deposit_and_holds_its_slot(
        self, clinic_with_deposits, stripe_on, run_after_commit
    ):
        appointment = run_after_commit(book, clinic_with_deposits)
        assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT
        assert services.deposit_due(appointment) == 3000  # 25 % of $120
        (message,) = to("ada@example.com")
        assert "pay the deposit" in message.subject
        with pytest.raises(BookingError) as refused:
            book(clinic_with_deposits)
        assert refused.value.code == TAKEN

    def test_staff_bookings_and_services_without_a_deposit_are_confirmed(
        self, clinic_with_deposits, stripe_on
    ):
        assert (
            book(clinic_with_deposits, actor=UserFactory(is_staff=True)).status
            == AppointmentStatus.CONFIRMED
        )
        floor = book(
            clinic_with_deposits, service=clinic_with_deposits.floor_60, start=local_time(3, 14)
        )
        assert floor.status == AppointmentStatus.CONFIRMED

    def test_deposit_paid_confirms_the_booking_records_it_and_emails_a_receipt(
        self, clinic_with_deposits, stripe_on, run_after_commit
    ):
        appointment = book(clinic_with_deposits)
        mail.outbox.clear()
        payment = run_after_commit(
            services.deposit_pay,
            appointment=appointment,
            payment_method="pm_card_visa",
            save_card=False,
        )
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert payment.status == PaymentStatus.SUCCEEDED
        assert payment.stripe_payment_intent.startswith("pi_")
        (entry,) = LedgerEntry.objects.all()
        assert (entry.kind, entry.method, entry.amount_cents, entry.appointment_id) == (
            LedgerKind.CHARGE,
            Method.STRIPE,
            3000,
            appointment.pk,
        )
        assert entry.external_id == payment.stripe_payment_intent
        assert not CardOnFile.objects.exists()  # no consent, no card kept
        subjects = sorted(m.subject for m in to("ada@example.com"))
        assert any("is booked" in s for s in subjects)
        (receipt,) = [m for m in to("ada@example.com") if "receipt" in m.subject]
        html = receipt.alternatives[0][0]
        assert "$30.00" in receipt.body and "$30.00" in html
        assert appointment.reference in receipt.body and "Deposit" in html
        text = pdf_text(receipt)
        assert "$30.00" in text and appointment.reference in text and "Receipt R-" in text

    def test_a_card_is_saved_only_with_consent_and_keeps_the_words_agreed_to(
        self, clinic_with_deposits, stripe_on
    ):
        appointment = book(clinic_with_deposits)
        services.deposit_pay(appointment=appointment, payment_method="pm_card_visa", save_card=True)
        card = CardOnFile.objects.get(client=appointment.client)
        assert card.stripe_customer.startswith("cus_")
        assert card.last4 == "4242"
        assert "no-show fee ($80.00)" in card.consent_text
        assert "never automatically" in card.consent_text

    def test_a_declined_card_records_the_failure_books_nothing_and_may_be_retried(
        self, clinic_with_deposits, stripe_on
    ):
        appointment = book(clinic_with_deposits)
        with pytest.raises(PaymentError) as declined:
            services.deposit_pay(
                appointment=appointment,
                payment_method="pm_card_chargeCustomerFail",
                save_card=False,
            )
        assert "declined" in declined.value.message.lower()
        (failed,) = Payment.objects.all()
        assert failed.status == PaymentStatus.FAILED and failed.failure_message
        assert not LedgerEntry.objects.exists()
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT
        services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False
        )
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    def test_a_second_deposit_for_the_same_booking_is_refused(
        self, clinic_with_deposits, stripe_on
    ):
        appointment = book(clinic_with_deposits)
        services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False
        )
        appointment.refresh_from_db()
        with pytest.raises(PaymentError):
            services.deposit_pay(
                appointment=appointment, payment_method="pm_card_visa", save_card=False
            )
        assert LedgerEntry.objects.count() == 1

    def test_a_deposit_never_paid_releases_the_slot_at_the_sweep(
        self, clinic_with_deposits, stripe_on, run_after_commit, settings
    ):
        appointment = book(clinic_with_deposits)
        assert clinic_sweep()["deposit_holds"] == 0  # still inside the hold
        mail.outbox.clear()
        later = timezone.now() + dt.timedelta(minutes=settings.DEPOSIT_HOLD_MINUTES + 1)
        done = run_after_commit(clinic_sweep, now=later)
        assert done["deposit_holds"] == 1
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED
        assert any("released" in m.subject for m in to("ada@example.com"))
        assert not LedgerEntry.objects.exists()
        again = book(clinic_with_deposits)  # the slot is free again, and the new hold starts now
        assert again.status == AppointmentStatus.AWAITING_DEPOSIT
        assert run_after_commit(clinic_sweep)["deposit_holds"] == 0

    def test_a_deposit_that_arrives_after_the_hold_ran_out_is_refunded_at_once(
        self, clinic_with_deposits, stripe_on, settings
    ):
        appointment = book(clinic_with_deposits)
        services.deposit_holds_expire(
            now=timezone.now() + dt.timedelta(minutes=settings.DEPOSIT_HOLD_MINUTES + 1)
        )
        # The client's page was still open; the gateway is called directly as the page would.
        appointment.status = AppointmentStatus.AWAITING_DEPOSIT
        payment = services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False
        )
        payment.refresh_from_db()
        assert payment.refunded_cents == 3000
        assert refunds_at_stripe(stripe_on, payment.stripe_payment_intent) == [3000]
        assert [e.amount_cents for e in LedgerEntry.objects.all()] == [3000, -3000]


class TestCancellation:
    def test_cancelling_before_the_cutoff_refunds_the_deposit_in_full(
        self, clinic_with_deposits, stripe_on, run_after_commit
    ):
        appointment = book(clinic_with_deposits)
        payment = services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False
        )
        mail.outbox.clear()
        run_after_commit(booking_cancel, appointment=appointment, reason="Cannot come")
        payment.refresh_from_db()
        assert payment.refunded_cents == 3000
        assert refunds_at_stripe(stripe_on, payment.stripe_payment_intent) == [3000]
        refund = LedgerEntry.objects.get(kind=LedgerKind.REFUND)
        assert (refund.amount_cents, refund.method, refund.external_id[:3]) == (
            -3000,
            Method.STRIPE,
            "re_",
        )
        assert any("Refund receipt" in m.subject for m in to("ada@example.com"))

    def test_a_late_cancellation_keeps_the_deposit_and_staff_may_charge_the_rest_of_the_fee(
        self, clinic_with_deposits, stripe_on, run_after_commit, staff_without_role
    ):
        appointment = book(clinic_with_deposits, start=local_time(3, 10))
        services.deposit_pay(appointment=appointment, payment_method="pm_card_visa", save_card=True)
        with time_machine.travel(appointment.start - dt.timedelta(hours=5)):
            run_after_commit(
                booking_cancel, appointment=appointment, actor=staff_without_role, reason="Ill"
            )
        assert not LedgerEntry.objects.filter(kind=LedgerKind.REFUND).exists()
        appointment.refresh_from_db()
        assert services.fee_charge_options(appointment) == [(PaymentKind.LATE_CANCEL_FEE, 2000)]
        mail.outbox.clear()
        fee = run_after_commit(
            services.fee_charge,
            appointment=appointment,
            kind=PaymentKind.LATE_CANCEL_FEE,
            actor=staff_without_role,
        )
        assert (fee.status, fee.amount_cents, fee.recorded_by) == (
            PaymentStatus.SUCCEEDED,
            2000,
            staff_without_role,
        )
        entry = LedgerEntry.objects.get(kind=LedgerKind.FEE)
        assert entry.amount_cents == 2000 and entry.payment == fee
        assert any("receipt" in m.subject for m in to("ada@example.com"))


class TestNoShowFee:
    def test_never_charged_until_staff_click_then_once_minus_the_deposit(
        self, clinic_with_deposits, stripe_on, run_after_commit, staff_without_role
    ):
        appointment = book(clinic_with_deposits)
        services.deposit_pay(appointment=appointment, payment_method="pm_card_visa", save_card=True)
        with time_machine.travel(appointment.start + dt.timedelta(minutes=20)):
            appointment_set_status(
                appointment=appointment, status=AppointmentStatus.NO_SHOW, actor=staff_without_role
            )
        assert not Payment.objects.filter(kind=PaymentKind.NO_SHOW_FEE).exists()
        appointment.refresh_from_db()
        mail.outbox.clear()
        fee = run_after_commit(
            services.fee_charge,
            appointment=appointment,
            kind=PaymentKind.NO_SHOW_FEE,
            actor=staff_without_role,
        )
        assert fee.amount_cents == 5000  # $80 fee less the $30 deposit kept
        (receipt,) = to("ada@example.com")
        assert "$50.00" in receipt.body and "No-show fee" in pdf_text(receipt)
        with pytest.raises(PaymentError):
            services.fee_charge(
                appointment=appointment, kind=PaymentKind.NO_SHOW_FEE, actor=staff_without_role
            )
        assert LedgerEntry.objects.filter(kind=LedgerKind.FEE).count() == 1

    def test_no_fee_for_a_session_that_was_not_missed_or_without_a_card(
        self, clinic_with_deposits, stripe_on, staff_without_role
    ):
        appointment = book(clinic_with_deposits)
        services.deposit_pay(
            appointment=appointment, payment_method="pm_card_visa", save_card=False
        )
        appointment.refresh_from_db()
        with pytest.raises(PaymentError, match="does not apply"):
            services.fee_charge(
                appointment=appointment, kind=PaymentKind.NO_SHOW_FEE, actor=staff_without_role
            )
        with time_machine.travel(appointment.start + dt.timedelta(minutes=20)):
            appointment_set_status(
                appointment=appointment, status=AppointmentStatus.NO_SHOW, actor=staff_without_role
            )
        appointment.refresh_from_db()
        with pytest.raises(PaymentError, match="no card on file"):
            services.fee_charge(
                appointment=appointment, kind=PaymentKind.NO_SHOW_FEE, actor=staff_without_role
            )


def test_the_exclusion_constraint_counts_a_held_booking_as_occupying_its_slot(
    clinic_with_deposits, stripe_on, postgres_only
):
    from django.db import IntegrityError, transaction

    from tests.factories import AppointmentFactory

    held = book(clinic_with_deposits)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            therapist=held.therapist,
            service=held.service,
            start=held.start,
            end=held.end,
            occupied_until=held.occupied_until,
        )
