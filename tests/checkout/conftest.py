"""Checkout tests: the cast's `clinic`, its $120 bar session with a 25 % deposit ($30), New
York City's 8.875 % sales tax on top of the price, a 10 % code, and Stripe at localstripe."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings.services import ClientDetails, booking_create
from bookings.session_status import appointment_set_status
from checkout.models import PromoCode, PromoKind, ServiceTax
from health.screening import clear_answers
from payments import services as payments_services
from payments.models import DepositKind, PaymentPolicy
from tests.bookings.clinic import local_time
from tests.payments.conftest import localstripe_url, stripe_on  # noqa: F401 - fixtures

MEI = ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199")


@pytest.fixture
def taxed_clinic(clinic):
    """`clinic` with a 25 % deposit and 8.875 % tax (not in the price) on the bar session,
    and the code TENOFF (10 %, any service, no limits)."""
    PaymentPolicy.objects.create(
        service=clinic.bar_60,
        deposit_kind=DepositKind.PERCENT,
        deposit_value=25,
        no_show_fee_cents=8000,
        late_cancel_fee_cents=5000,
    )
    ServiceTax.objects.create(service=clinic.bar_60, rate_percent=Decimal("8.875"))
    PromoCode.objects.create(code="tenoff", kind=PromoKind.PERCENT, value=10)
    return clinic


def book_paid(clinic, *, client=MEI, days=3, hour=10, therapist=None, save_card=True):
    """An online booking whose $30 deposit is paid by card (saved for this session)."""
    appointment = booking_create(
        service=clinic.bar_60,
        therapist=therapist or clinic.therapists[0],
        start=local_time(days, hour),
        client=client,
        answers=clear_answers(),
    ).appointment
    payments_services.deposit_pay(
        appointment=appointment, payment_method="pm_card_visa", save_card=save_card
    )
    appointment.refresh_from_db()
    return appointment


def session_done(appointment, actor) -> None:
    """The session took place: checked in, then completed (at its start and end)."""
    appointment_set_status(
        appointment=appointment,
        status="checked_in",
        actor=actor,
        now=appointment.start - dt.timedelta(minutes=5),
    )
    appointment_set_status(
        appointment=appointment, status="completed", actor=actor, now=appointment.end
    )


@pytest.fixture
def paid_booking(taxed_clinic, stripe_on):  # noqa: F811 - the fixture imported above
    return book_paid(taxed_clinic)
