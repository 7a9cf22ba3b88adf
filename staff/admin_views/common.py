"""What every staff page in the admin shares: the permission check, the page context,
the appointment lookup-and-permission decorator, clinic-local times and the ?date= parser."""

import datetime as dt
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
)
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from core.clock import clinic_tz
from staff.admin_forms import ScheduleDateForm


def _require(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _context(request: HttpRequest, model_admin: ModelAdmin, **extra: Any) -> dict[str, Any]:
    opts = model_admin.model._meta
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": model_admin.has_view_permission(request),
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        **extra,
    }


def _change_url(appointment: Appointment) -> str:
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


def _appointment(model_admin: ModelAdmin, request: HttpRequest, object_id: str):
    """The appointment with everything its page shows, or None (bad or unknown id)."""
    return model_admin.get_object(request, unquote(object_id))


def _with_appointment(permission: str | None):
    """Admin appointment pages: look the appointment up (an unknown id redirects to the list
    with a message, as Django's own pages do) and check the model permission on the server,
    then call the page with the appointment instead of its id."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, model_admin: ModelAdmin, object_id: str):
            appointment = _appointment(model_admin, request, object_id)
            if appointment is None:
                return model_admin._get_obj_does_not_exist_redirect(
                    request, model_admin.model._meta, object_id
                )
            allowed = {
                "view": model_admin.has_view_permission,
                "change": model_admin.has_change_permission,
            }.get(permission)
            if allowed is not None and not allowed(request, appointment):
                raise PermissionDenied
            return view(request, model_admin, appointment)

        return wrapper

    return decorate


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(clinic_tz())


def _parse_day(request: HttpRequest) -> tuple[dt.date, ScheduleDateForm]:
    """The ?date= of a schedule page (today when absent); a bad value leaves today and
    errors on the form."""
    today = timezone.localdate(timezone=clinic_tz())
    if "date" not in request.GET:
        return today, ScheduleDateForm(initial={"date": today})
    form = ScheduleDateForm(request.GET)
    return (form.cleaned_data["date"] if form.is_valid() else today), form
