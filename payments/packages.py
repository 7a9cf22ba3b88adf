"""Packages of prepaid sessions: sold at the desk, one session used per booking of the
package's style, and given back when that booking is cancelled within the policy.
"""

from django.db import IntegrityError, transaction

from bookings import booking_changes
from bookings.models import Appointment, AppointmentStatus
from payments import receipts
from payments.ledger import PaymentError, _ledger, desk_payment_record
from payments.models import (
    LedgerEntry,
    LedgerKind,
    Method,
    Package,
    PackagePlan,
    PackageRedemption,
    PaymentKind,
)
from payments.money import code_hint, hash_code, new_code


def _package_session_return(*, appointment_id: int) -> Package | None:
    """Put the session a cancelled booking took from a package back on it, once: the
    redemption row goes (under its lock, so a retried task finds nothing to return) and
    the ledger keeps both movements."""
    with transaction.atomic():
        redemption = (
            PackageRedemption.objects.select_for_update()
            .filter(appointment_id=appointment_id)
            .select_related("appointment")
            .first()
        )
        if redemption is None:
            return None
        package = (
            Package.objects.select_for_update().select_related("plan").get(pk=redemption.package_id)
        )
        redemption.delete()
        package.sessions_left += 1
        package.save(update_fields=["sessions_left"])
        _ledger(
            kind=LedgerKind.REFUND,
            method=Method.PACKAGE,
            amount_cents=-(package.plan.price_cents // package.plan.sessions),
            sessions=1,
            package=package,
            appointment=redemption.appointment,
            description=(
                f"Session of {package.plan.name} (…{package.code_hint}) given back: booking "
                f"{redemption.appointment.reference} cancelled within the policy; "
                f"{package.sessions_left} left"
            ),
        )
    return package


def package_sell(
    *, plan: PackagePlan, client_name: str, client_email: str, method: str, actor
) -> tuple[Package, str]:
    """Sell a package at the desk: the payment, the package and its code (returned once and
    e-mailed to the client; only its hash is kept)."""
    code = new_code("PKG")
    with transaction.atomic():
        payment = desk_payment_record(
            amount_cents=plan.price_cents,
            method=method,
            actor=actor,
            payer_name=client_name,
            payer_email=client_email,
            note=plan.name,
            kind=PaymentKind.PACKAGE_SALE,
        )
        package = Package.objects.create(
            plan=plan,
            code_hash=hash_code(code),
            code_hint=code_hint(code),
            client_name=client_name,
            client_email=client_email,
            sessions_total=plan.sessions,
            sessions_left=plan.sessions,
        )
        LedgerEntry.objects.filter(payment=payment).update(package=package, sessions=plan.sessions)
        receipts.queue_receipt(payment, code=code)
    return package, code


def package_find(code: str) -> Package | None:
    return Package.objects.select_related("plan__style").filter(code_hash=hash_code(code)).first()


def package_redeem(*, code: str, appointment: Appointment, actor=None) -> Package:
    """Use one session of a package for an appointment of its style. The row lock and the
    CHECK constraint keep the balance from going below zero under concurrent redemptions; an
    appointment is paid by one package at most. A held booking counts from then on: the
    package pays for the whole session, deposit included."""
    with transaction.atomic():
        package = (
            Package.objects.select_for_update()
            .select_related("plan__style")
            .filter(code_hash=hash_code(code))
            .first()
        )
        if package is None:
            raise PaymentError("No package matches this code.")
        if package.plan.style_id != appointment.service.style_id:
            raise PaymentError(f"This package is for {package.plan.style} sessions.")
        if package.sessions_left <= 0:
            raise PaymentError("This package has no sessions left.")
        try:
            with transaction.atomic():
                PackageRedemption.objects.create(package=package, appointment=appointment)
        except IntegrityError as error:
            raise PaymentError("This booking is already paid with a package.") from error
        package.sessions_left -= 1
        package.save(update_fields=["sessions_left"])
        _ledger(
            kind=LedgerKind.PACKAGE_REDEMPTION,
            method=Method.PACKAGE,
            amount_cents=package.plan.price_cents // package.plan.sessions,
            sessions=-1,
            package=package,
            appointment=appointment,
            description=(
                f"Session of {package.plan.name} (…{package.code_hint}) for booking "
                f"{appointment.reference}; {package.sessions_left} left"
            ),
            actor=actor,
        )
        if appointment.status == AppointmentStatus.AWAITING_DEPOSIT:
            booking_changes.booking_deposit_paid(appointment=appointment)
    return package
