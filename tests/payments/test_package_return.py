"""A package session that paid for a held booking goes back on the package when the booking
is cancelled within the policy, once; a late cancellation keeps it, like a deposit."""

import datetime as dt

import pytest
import time_machine

from bookings.booking_changes import booking_cancel
from bookings.models import AppointmentStatus
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from payments import packages, services
from payments.models import LedgerEntry, LedgerKind, Method, PackagePlan, PackageRedemption
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


@pytest.fixture
def paid_with_package(clinic_with_deposits, stripe_on, staff_without_role):
    plan = PackagePlan.objects.create(
        name="3 bar sessions",
        style=clinic_with_deposits.bar_60.style,
        sessions=3,
        price_cents=30000,
    )
    package, code = packages.package_sell(
        plan=plan,
        client_name="Ada",
        client_email=ADA.email,
        method=Method.CASH,
        actor=staff_without_role,
    )
    appointment = booking_create(
        service=clinic_with_deposits.bar_60, therapist=clinic_with_deposits.therapists[0], start=local_time(3, 10),
        client=ADA, answers=clear_answers(),
    ).appointment  # fmt: skip
    assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT
    packages.package_redeem(code=code, appointment=appointment)
    package.refresh_from_db()
    assert package.sessions_left == 2
    appointment.refresh_from_db()
    return appointment, package


def test_cancelling_in_time_gives_the_session_back_once(paid_with_package, run_after_commit):
    appointment, package = paid_with_package
    run_after_commit(booking_cancel, appointment=appointment, reason="Cannot come")
    package.refresh_from_db()
    assert package.sessions_left == 3
    back = LedgerEntry.objects.get(kind=LedgerKind.REFUND)
    assert (back.method, back.sessions, back.amount_cents, back.package) == (
        Method.PACKAGE,
        1,
        -10000,
        package,
    )
    assert not PackageRedemption.objects.exists()
    # The worker retries (or the signal fires twice): nothing more comes back.
    services.deposits_settle_on_cancel(appointment_id=appointment.pk, late=False)
    package.refresh_from_db()
    assert package.sessions_left == 3
    assert LedgerEntry.objects.filter(kind=LedgerKind.REFUND).count() == 1
    # The day's package total nets to nothing: used and given back.
    assert sum(e.amount_cents for e in LedgerEntry.objects.filter(method=Method.PACKAGE)) == 0


def test_a_late_cancellation_keeps_the_session(
    paid_with_package, run_after_commit, staff_without_role
):
    appointment, package = paid_with_package
    with time_machine.travel(appointment.start - dt.timedelta(hours=5)):
        run_after_commit(
            booking_cancel, appointment=appointment, actor=staff_without_role, reason="Ill"
        )
    package.refresh_from_db()
    assert package.sessions_left == 2
    assert not LedgerEntry.objects.filter(kind=LedgerKind.REFUND).exists()
