"""Packages of prepaid sessions: sold at the desk, one session used per booking of the
package's style, and given back when that booking is cancelled within the policy.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import booking_changes
from bookings.models import Appointment, AppointmentStatus
from clients.models import Client
from core.clock import local_midnight
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
from payments.money import code_hint, hash_code, new_code, session_value


def package_session_value(package: Package, *, used_before: int) -> int:
    """What the next session used is worth, when `used_before` sessions were used: the
    package's price allocated over its sessions (the first ones carry the remainder cents),
    so the sessions of a package always add up to what was paid for it."""
    return session_value(
        price_cents=package.price_cents, sessions=package.sessions_total, index=used_before
    )


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
        value = package_session_value(package, used_before=package.sessions_used - 1)
        package.sessions_left += 1
        package.save(update_fields=["sessions_left"])
        _ledger(
            kind=LedgerKind.REFUND,
            method=Method.PACKAGE,
            amount_cents=-value,
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


def package_expiry(plan: PackagePlan, sold_at: dt.datetime) -> dt.datetime | None:
    """The end of the last day (clinic time) a package of this plan may be used."""
    if not plan.valid_days:
        return None
    last_day = timezone.localdate(sold_at) + dt.timedelta(days=plan.valid_days)
    return local_midnight(last_day + dt.timedelta(days=1))


def _record_of(email: str) -> Client | None:
    """The one client record with this address (none when there is none, or several)."""
    records = list(Client.objects.filter(email__iexact=email.strip(), merged_into=None)[:2])
    return records[0] if len(records) == 1 else None


def package_sell(
    *,
    plan: PackagePlan,
    client_name: str,
    client_email: str,
    method: str,
    actor,
    client: Client | None = None,
) -> tuple[Package, str]:
    """Sell a package at the desk: the payment, the package and its code (returned once and
    e-mailed to the client; only its hash is kept). It belongs to the client's record (the
    one record with that address, when the desk does not say)."""
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
            client=client or _record_of(client_email),
            client_name=client_name,
            client_email=client_email,
            sessions_total=plan.sessions,
            sessions_left=plan.sessions,
            price_cents=plan.price_cents,
            expires_at=package_expiry(plan, timezone.now()),
        )
        LedgerEntry.objects.filter(payment=payment).update(package=package, sessions=plan.sessions)
        receipts.queue_receipt(payment, code=code)
    return package, code


def package_find(code: str) -> Package | None:
    return Package.objects.select_related("plan__style").filter(code_hash=hash_code(code)).first()


def packages_offered(*, client: Client | None, appointment: Appointment) -> list[Package]:
    """The signed-in client's own packages that could pay for this booking: same record,
    same style, sessions left, not expired. (The booking's record alone is not enough: anyone
    may book under anyone's address.)"""
    if client is None or appointment.client_id != client.pk:
        return []
    candidates = Package.objects.filter(
        client=client, plan__style_id=appointment.service.style_id, sessions_left__gt=0
    ).select_related("plan__style")
    now = timezone.now()
    return [
        package
        for package in candidates.order_by("expires_at", "sold_at")
        if package.usable_at(now)
    ]


def package_redeem(
    *,
    appointment: Appointment,
    code: str = "",
    actor=None,
    owned_by: Client | None = None,
    package_id: int | None = None,
) -> Package:
    """Use one session of a package for an appointment of its style: the package named by
    its code, or (online, signed in) one of the client's own by its id, which must then
    belong to `owned_by` and to the booking's record. The row lock and the CHECK constraint
    keep the balance from going below zero under concurrent redemptions; an appointment is
    paid by one package at most. A held booking counts from then on: the package pays for
    the whole session, deposit included."""
    if package_id is not None:
        if owned_by is None or appointment.client_id != owned_by.pk:
            raise PaymentError(_("No package matches this code."))
        chosen = Q(pk=package_id, client=owned_by)
    else:
        chosen = Q(code_hash=hash_code(code))
    with transaction.atomic():
        package = (
            Package.objects.select_for_update(of=("self",))
            .select_related("plan__style")
            .filter(chosen)
            .first()
        )
        if package is None:
            raise PaymentError(_("No package matches this code."))
        if package.plan.style_id != appointment.service.style_id:
            raise PaymentError(
                _("This package is for %(style)s sessions.") % {"style": package.plan.style}
            )
        if package.sessions_left <= 0:
            raise PaymentError(_("This package has no sessions left."))
        if not package.usable_at(timezone.now()):
            raise PaymentError(_("This package has expired."))
        try:
            with transaction.atomic():
                PackageRedemption.objects.create(package=package, appointment=appointment)
        except IntegrityError as error:
            raise PaymentError(_("This booking is already paid with a package.")) from error
        value = package_session_value(package, used_before=package.sessions_used)
        package.sessions_left -= 1
        package.save(update_fields=["sessions_left"])
        _ledger(
            kind=LedgerKind.PACKAGE_REDEMPTION,
            method=Method.PACKAGE,
            amount_cents=value,
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


def package_activate(payment) -> tuple[Package, str] | None:
    """The card payment of a package bought online succeeded (inside its transaction): give
    the package its code and validity from now, link the ledger row, and put the code in
    the receipt's sealed secret (the client also sees the package on /account/)."""
    package = (
        Package.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(payment=payment, code_hash=None)
        .first()
    )
    if package is None:
        return None
    code = new_code("PKG")
    package.code_hash = hash_code(code)
    package.code_hint = code_hint(code)
    package.sold_at = timezone.now()
    package.expires_at = package_expiry(package.plan, package.sold_at)
    package.save(update_fields=["code_hash", "code_hint", "sold_at", "expires_at"])
    LedgerEntry.objects.filter(payment=payment).update(
        package=package, sessions=package.sessions_total
    )
    return package, code
