"""The expiring-credentials page: verified credentials that lapse within 30 days, with the
booked sessions each would leave without a qualified therapist. A bookings page (it reads
appointments), hung on the credential admin by `staff.admin_therapists`."""

import datetime as dt

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
)
from django.template.response import TemplateResponse
from django.utils import timezone

from bookings.credentials import expiring_credentials as expiring_credentials_affecting
from core.clock import clinic_tz
from staff.admin_views.common import _context, local
from therapists.qualifications import EXPIRING_WITHIN_DAYS


def expiring_credentials(request: HttpRequest, model_admin: ModelAdmin) -> TemplateResponse:
    """Verified credentials that expire within 30 days, each with the booked future sessions
    that would be left without a qualified therapist (no renewal on file for that date).

    Three queries: the expiring credentials, every verified credential of their therapists
    (renewals), and those therapists' future bookings after the earliest expiry."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    today = timezone.localdate(timezone=clinic_tz())
    horizon = today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    rows = [
        {
            "credential": row.credential,
            "days_left": (row.credential.expires_on - today).days,
            "affected": [(a, local(a.start)) for a in row.appointments],
            "renewal": row.renewal,
        }
        for row in expiring_credentials_affecting(today=today, days=EXPIRING_WITHIN_DAYS)
    ]
    return TemplateResponse(
        request,
        "admin/therapists/credential/expiring.html",
        _context(
            request,
            model_admin,
            title=f"Credentials expiring within {EXPIRING_WITHIN_DAYS} days",
            rows=rows,
            today=today,
            horizon=horizon,
            days=EXPIRING_WITHIN_DAYS,
        ),
    )
