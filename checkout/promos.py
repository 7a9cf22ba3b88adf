"""Promo codes: whether a code may be used on a booking, and using it (once per booking).

The code's row is locked while its uses are counted and the new use is written, so two
desks redeeming the last use of a code at the same moment cannot both win: the second waits
for the first to commit, then counts its use and is refused.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bookings.models import Appointment
from checkout.models import PromoCode, PromoRedemption
from core.clock import clinic_today


class PromoError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def promo_refusal(promo: PromoCode | None, *, appointment: Appointment, on: dt.date) -> str:
    """Why this code cannot be used on this booking today ("" when it can). The use counts
    are read by the caller under the code's row lock."""
    if promo is None or not promo.active:
        return _("No promo code matches this code.")
    if promo.valid_from and on < promo.valid_from:
        return _("This code can be used from %(day)s.") % {"day": promo.valid_from.isoformat()}
    if promo.valid_until and on > promo.valid_until:
        return _("This code expired on %(day)s.") % {"day": promo.valid_until.isoformat()}
    services = set(promo.services.values_list("pk", flat=True))
    if services and appointment.service_id not in services:
        return _("This code does not apply to %(service)s.") % {"service": appointment.service.name}
    uses = promo.redemptions.count()
    if promo.max_uses is not None and uses >= promo.max_uses:
        return _("This code has been used as many times as it may be.")
    if promo.max_uses_per_client is not None:
        # The same record, or a record under the same address (a client who books without
        # signing in may have several): a limit per client is not dodged by a new booking.
        mine = promo.redemptions.filter(
            Q(appointment__client_id=appointment.client_id)
            | Q(appointment__client__email__iexact=appointment.client.email)
        ).count()
        if mine >= promo.max_uses_per_client:
            return _("This client has already used this code as many times as it may be.")
    return ""


def promo_redeem(*, code: str, appointment: Appointment) -> PromoRedemption:
    """Use `code` on this booking, or raise PromoError with the reason."""
    with transaction.atomic():
        promo = (
            PromoCode.objects.select_for_update().filter(code=(code or "").strip().upper()).first()
        )
        if PromoRedemption.objects.filter(appointment=appointment).exists():
            raise PromoError(_("A code is already applied to this booking."))
        refusal = promo_refusal(promo, appointment=appointment, on=clinic_today())
        if refusal:
            raise PromoError(refusal)
        try:
            with transaction.atomic():
                return PromoRedemption.objects.create(promo=promo, appointment=appointment)
        except IntegrityError as error:
            raise PromoError(_("A code is already applied to this booking.")) from error
