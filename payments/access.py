"""Who may see and move money (one rule, used by every staff money page).

- The front desk and clinic managers (and superusers) run the money pages: an appointment's
  payments, charging a no-show or late-cancellation fee, recording a desk payment, selling
  packages and gift cards, redeeming codes, the day's takings and receipts.
- Only clinic managers (and superusers) download the ledger CSV for the accountant.
- Everyone else, therapists and staff without a role included, is refused (403). Pages are
  reached through the admin's login (and its two-factor check), so anonymous visitors are
  sent to the admin login.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from bookings.roles import CLINIC_MANAGER, FRONT_DESK


def _groups(user) -> set[str]:
    """The user's group names, read once per request (cached on the user object)."""
    if not hasattr(user, "_money_groups"):
        user._money_groups = set(user.groups.values_list("name", flat=True))
    return user._money_groups


def is_manager(user) -> bool:
    return bool(user.is_active and user.is_staff) and (
        user.is_superuser or CLINIC_MANAGER in _groups(user)
    )


def is_money_staff(user) -> bool:
    return bool(user.is_active and user.is_staff) and (
        user.is_superuser or bool(_groups(user) & {CLINIC_MANAGER, FRONT_DESK})
    )


def money_staff(*, manager_only: bool = False) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            allowed = is_manager if manager_only else is_money_staff
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # The admin's login and two-factor check first.
        return admin.site.admin_view(check)

    return decorate
