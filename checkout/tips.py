"""Whether a session may still take a tip online, and the tips it has had (ledger)."""

from django.db.models import Sum

from bookings.models import Appointment
from checkout.models import Checkout
from payments.models import LedgerKind


def tips_paid(appointment: Appointment) -> int:
    return appointment.ledger.filter(kind=LedgerKind.TIP).aggregate(s=Sum("amount_cents"))["s"] or 0


def tip_open(appointment: Appointment) -> bool:
    """A tip may be added online once the bill is closed, and only if none was given."""
    checkout = Checkout.objects.filter(appointment=appointment).first()
    return bool(
        checkout and checkout.closed_at and not checkout.tip_cents and not tips_paid(appointment)
    )
