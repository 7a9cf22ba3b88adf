"""Who may use the desk's calendar: the front desk and clinic managers (and superusers).

Therapists, staff without either role, clients and anonymous visitors are refused. The page
goes through the admin's login (and its two-factor check); the JSON endpoints answer 403
with a message instead of redirecting, since a script reads them.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse

from bookings.roles import CLINIC_MANAGER, FRONT_DESK

DESK_ROLES = frozenset({FRONT_DESK, CLINIC_MANAGER})


def is_desk(user) -> bool:
    """Active staff in the front desk or manager group, or a superuser."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name__in=DESK_ROLES).exists()


def desk_page(view: Callable) -> Callable:
    """A calendar page: anonymous visitors go to the admin's login (and its two-factor
    check); anyone signed in without a desk role (a therapist, say) gets 403."""
    through_admin = admin.site.admin_view(view)

    @wraps(view)
    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and not is_desk(request.user):
            raise PermissionDenied
        return through_admin(request, *args, **kwargs)

    return check


def desk_json(view: Callable) -> Callable:
    """A JSON endpoint of the calendar: 403 with a message unless the desk asks."""

    @wraps(view)
    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Please sign in to the admin first."}, status=403)
        if not is_desk(request.user):
            return JsonResponse(
                {"error": "Only the front desk and managers use the calendar."}, status=403
            )
        return view(request, *args, **kwargs)

    return check
