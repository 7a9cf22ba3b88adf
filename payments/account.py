"""What payments adds to the signed-in client's own pages (core.client_sections): their
packages and gift cards on /account/ (balances and the code's last four characters only),
and on a booking's manage page the offer of a session of their package."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from bookings.models import AppointmentStatus
from payments import online_sales, packages
from payments.models import PackageRedemption, PaymentStatus

# A booking still to come that nothing has paid yet; a held one has the deposit page.
OFFER_STATUSES = (AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING_REVIEW)


def balances_section(request, record) -> SafeString | None:
    held = online_sales.balances(record)
    if not held["packages"] and not held["gift_cards"]:
        return None
    return SafeString(render_to_string("payments/_account_balances.html", held, request=request))


def package_may_pay(appointment) -> bool:
    """Still to come, confirmed (or in review), and not paid by anything yet."""
    return (
        appointment.status in OFFER_STATUSES
        and appointment.start > timezone.now()
        and not PackageRedemption.objects.filter(appointment=appointment).exists()
        and not appointment.payments.filter(status=PaymentStatus.SUCCEEDED).exists()
    )


def package_offer_section(request, appointment) -> SafeString | None:
    """A booking of the signed-in client's own (confirmed without a deposit, so it never
    reached the deposit page) that a package of theirs could pay: offer one session."""
    record = getattr(request, "client_record", None)
    if record is None or not package_may_pay(appointment):
        return None
    offered = packages.packages_offered(client=record, appointment=appointment)
    if not offered:
        return None
    return SafeString(
        render_to_string(
            "payments/_package_offer.html",
            {"appointment": appointment, "packages": offered},
            request=request,
        )
    )
