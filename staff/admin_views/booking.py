"""Booking from the admin (front desk, phone and walk-in): the same `booking_create` as the
booking pages, with the intake asked on the client's behalf."""

from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.utils import timezone

from bookings.forms import ContactForm, IntakeForm
from bookings.services import BookingError, ClientDetails, booking_create
from core.clock import clinic_today, clinic_tz
from staff.admin_forms import AppointmentBookForm
from staff.admin_views.common import _change_url, _context, local


def appointment_add(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Book by phone or at the desk: the same `booking_create` as online, with the intake.

    Staff may book inside the two-hour notice (a walk-in); everything else holds: a declined
    intake or a taken slot is a form error and nothing is saved."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        book_form = AppointmentBookForm(request.POST)
        contact_form = ContactForm(request.POST, prefix="client")
        intake_form = IntakeForm(request.POST, prefix="intake", today=clinic_today())
    else:
        book_form = AppointmentBookForm(initial=_add_initial(request))
        contact_form = ContactForm(prefix="client")
        intake_form = IntakeForm(prefix="intake")
    contact_form.fields["email"].help_text = "The confirmation and manage link go here."
    forms_valid = [f.is_valid() for f in (book_form, contact_form, intake_form)]
    if request.method == "POST" and all(forms_valid):
        try:
            result = booking_create(
                service=book_form.cleaned_data["service"],
                therapist=book_form.cleaned_data["therapist"],
                start=book_form.start(),
                client=ClientDetails(**contact_form.cleaned_data),
                answers=intake_form.answers(),
                actor=request.user,
            )
        except BookingError as error:
            book_form.add_error(None, error.message)
            for key, message in error.errors.items():
                intake_form.add_error(key if key in intake_form.fields else None, message)
        else:
            appointment = result.appointment
            model_admin.log_addition(request, appointment, [{"added": {}}])
            messages.success(
                request,
                f"Booked {appointment.reference}: {appointment.client} with "
                f"{appointment.therapist} on {local(appointment.start):%A %d %B %Y, %H:%M} "
                f"({appointment.get_status_display().lower()}).",
            )
            return HttpResponseRedirect(_change_url(appointment))
    has_errors = request.method == "POST" and any(
        f.errors for f in (book_form, contact_form, intake_form)
    )
    return TemplateResponse(
        request,
        "admin/bookings/appointment/add.html",
        _context(
            request,
            model_admin,
            title="Book an appointment",
            book_form=book_form,
            contact_form=contact_form,
            intake_form=intake_form,
            has_errors=has_errors,
        ),
    )


def _add_initial(request: HttpRequest) -> dict[str, Any]:
    """Today at 09:00, or what a free block of the schedule links with
    (?therapist=&date=&time=&service=)."""
    initial: dict[str, Any] = {"date": timezone.localdate(timezone=clinic_tz()), "time": "09:00"}
    initial.update(
        (key, request.GET[key])
        for key in ("service", "therapist", "date", "time")
        if request.GET.get(key)
    )
    return initial
