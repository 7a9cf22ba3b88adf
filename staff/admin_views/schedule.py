"""The day and week schedule grids of the admin (layout in `staff.admin_schedule`)."""

import datetime as dt

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import (
    HttpRequest,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from core.clock import clinic_tz
from staff import admin_schedule
from staff.admin_views.common import _context, _parse_day, local
from therapists.models import Therapist


def schedule_day(request: HttpRequest, model_admin: ModelAdmin) -> TemplateResponse:
    """Today's (or ?date=) clinic: therapists as columns, quarter hours as rows."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    day, date_form = _parse_day(request)
    grid = admin_schedule.day_grid(day, clinic_tz())
    now = timezone.now()
    accepts = admin_schedule.slot_acceptor(first_day=day, days=1, therapists=None, now=now)
    admin_schedule.mark_bookable(grid, now, accepts=accepts)
    return TemplateResponse(
        request,
        "admin/bookings/appointment/schedule_day.html",
        _context(
            request,
            model_admin,
            title=f"Schedule for {day:%A %d %B %Y}",
            day=day,
            today=timezone.localdate(timezone=clinic_tz()),
            previous_day=day - dt.timedelta(days=1),
            next_day=day + dt.timedelta(days=1),
            date_form=date_form,
            grid=grid,
            can_book=model_admin.has_add_permission(request),
            now=local(timezone.now()),
        ),
        status=400 if date_form.errors else 200,
    )


def schedule_week(
    request: HttpRequest, model_admin: ModelAdmin, therapist_id: int
) -> TemplateResponse:
    """One therapist's week (Monday to Sunday) around ?date=."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    therapist = get_object_or_404(Therapist, pk=therapist_id)
    day, date_form = _parse_day(request)
    monday = day - dt.timedelta(days=day.weekday())
    grid = admin_schedule.week_grid(therapist, monday, clinic_tz())
    now = timezone.now()
    accepts = admin_schedule.slot_acceptor(
        first_day=monday, days=7, therapists=[therapist], now=now
    )
    admin_schedule.mark_bookable(grid, now, accepts=accepts)
    return TemplateResponse(
        request,
        "admin/bookings/appointment/schedule_week.html",
        _context(
            request,
            model_admin,
            title=f"{therapist.display_name}: week of {monday:%d %B %Y}",
            therapist=therapist,
            team=Therapist.objects.filter(Q(active=True) | Q(pk=therapist.pk)).only(
                "pk", "display_name"
            ),
            day=day,
            monday=monday,
            today=timezone.localdate(timezone=clinic_tz()),
            previous_week=monday - dt.timedelta(days=7),
            next_week=monday + dt.timedelta(days=7),
            date_form=date_form,
            grid=grid,
            can_book=model_admin.has_add_permission(request),
            now=local(timezone.now()),
        ),
        status=400 if date_form.errors else 200,
    )
