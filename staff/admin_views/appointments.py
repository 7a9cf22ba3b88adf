"""Admin pages for one appointment: detail (with move), status buttons, cancel, history;
and the changelist actions that cancel or set the status of several."""

import datetime as dt
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
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.booking_changes import booking_cancel, booking_reschedule
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.privacy import intake_list_read, may_read_full_intake
from bookings.reconfirmation import (
    desk_confirmation_problem,
    may_confirm_at_desk,
    reconfirm_at_desk,
)
from bookings.services import BookingError
from bookings.session_status import allowed_status_changes, appointment_set_status
from staff.admin_forms import AppointmentMoveForm, CancelForm
from staff.admin_views.common import _change_url, _context, _with_appointment, local
from therapists.models import Therapist

STATUS_ACTIONS = {
    AppointmentStatus.CHECKED_IN: "Check in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
}


def _event_rows(appointment: Appointment) -> list[dict[str, Any]]:
    """The appointment's history in words (two queries: events with actors, therapist names)."""
    events = list(appointment.events.select_related("actor").order_by("at", "pk"))
    slugs = {
        moment.get("therapist")
        for event in events
        for moment in (event.details.get("old"), event.details.get("new"))
        if isinstance(moment, dict)
    }
    names = dict(
        Therapist.objects.filter(slug__in=slugs - {None}).values_list("slug", "display_name")
    )
    return [
        {"event": event, "at": local(event.at), "text": describe_event(event, names)}
        for event in events
    ]


def _moment(value: dict | None, names: dict[str, str]) -> str:
    if not isinstance(value, dict):
        return "?"
    try:
        when = local(dt.datetime.fromisoformat(value.get("start", "")))
    except (TypeError, ValueError):
        return "?"
    therapist = names.get(value.get("therapist"), value.get("therapist") or "?")
    return f"{when:%a %d %b %Y %H:%M} with {therapist}"


def _status_label(value: Any) -> str:
    try:
        return AppointmentStatus(value).label
    except ValueError:
        return str(value)


def describe_event(event: AppointmentEvent, names: dict[str, str] | None = None) -> str:
    """One line of history as staff read it; details never hold health data."""
    details, names = event.details or {}, names or {}
    note = f": {details['note']}" if details.get("note") else ""
    series = (
        f", session {details['session']} of {details['of']} of treatment plan {details['series']}"
        if details.get("session")
        else f" (treatment plan {details['series']})"
        if details.get("series")
        else ""
    )
    if event.kind == AppointmentEvent.Kind.CREATED:
        cleared = "; no review needed: clearance on record" if details.get("clearance") else ""
        return f"Booked ({_status_label(details.get('status', '')).lower()}){cleared}{series}"
    if event.kind == AppointmentEvent.Kind.SERIES:
        return f"Made the first session{series}"
    if event.kind == AppointmentEvent.Kind.RESCHEDULED:
        return (
            f"Moved from {_moment(details.get('old'), names)} "
            f"to {_moment(details.get('new'), names)}"
        )
    if event.kind == AppointmentEvent.Kind.CANCELLED:
        if details.get("review") == "declined":
            return f"Declined after intake review{note}"
        reason = details.get("reason")
        return (f"Cancelled: {reason}" if reason else "Cancelled") + series
    if event.kind == AppointmentEvent.Kind.STATUS:
        if details.get("review") == "approved":
            cleared = " (clearance on record)" if details.get("clearance") else ""
            return f"Approved after intake review{cleared}{note}"
        return f"{_status_label(details.get('old'))} → {_status_label(details.get('new'))}"
    if event.kind == AppointmentEvent.Kind.NOTE:
        return "Session note added"
    if event.kind == AppointmentEvent.Kind.RECONFIRMED:
        return describe_reconfirmation(details)
    return event.get_kind_display()


RECONFIRM_RESULTS = {
    "recorded": "new answers recorded",
    "review": "new answers need clearance, back to review",
    "cancelled": "new answers rule the session out, cancelled",
}


def describe_reconfirmation(details: dict) -> str:
    """Issue #13, in words the front desk may read: whether answers changed, never which."""
    if details.get("via") == "front desk":
        return "Re-confirmed at check-in: the client said nothing changed"
    if not details.get("changed"):
        return "Re-confirmed by the client (e-mail link): nothing changed"
    result = RECONFIRM_RESULTS.get(details.get("result", ""), "new answers recorded")
    return f"Intake updated by the client (e-mail link): {result}"


def _detail_response(
    request: HttpRequest,
    model_admin: ModelAdmin,
    appointment: Appointment,
    move_form: AppointmentMoveForm | None,
) -> TemplateResponse:
    can_change = model_admin.has_change_permission(request, appointment)
    start = local(appointment.start)
    # Offer only what the service would accept now: check in from the session's day on,
    # completed or no-show once it has started.
    status_actions = allowed_status_changes(appointment=appointment) if can_change else []
    # Session notes are health data: only those who may read the full intake (the manager,
    # the session's own therapist) see them, and each read is logged. The front desk's
    # `view_sessionnote` lets it see that notes exist in lists, not read them here.
    notes = []
    if may_read_full_intake(request.user, appointment):
        notes = list(appointment.notes.select_related("author"))
        if notes:
            intake_list_read(
                user=request.user,
                intake_ids=[appointment.intake_id],
                where="admin: appointment page (session notes)",
            )
    return TemplateResponse(
        request,
        "admin/bookings/appointment/detail.html",
        _context(
            request,
            model_admin,
            title=f"Appointment {appointment.reference}",
            subtitle=f"{appointment.client} · {start:%A %d %B %Y, %H:%M}",
            original=appointment,
            appointment=appointment,
            start=start,
            end=local(appointment.end),
            occupied_until=local(appointment.occupied_until),
            intake=appointment.intake,
            status_class=appointment.status.replace("_", "-"),
            outcome_class=appointment.intake.outcome.replace("_", "-"),
            can_change=can_change and appointment.is_changeable,
            can_read_answers=may_read_full_intake(request.user, appointment),
            can_review=request.user.has_perm("health.review_intake"),
            move_form=move_form,
            status_actions=[(status, STATUS_ACTIONS[status]) for status in status_actions],
            desk_reconfirm=can_change
            and may_confirm_at_desk(request.user, appointment)
            and desk_confirmation_problem(appointment, now=timezone.now()) is None,
            events=_event_rows(appointment),
            notes=notes,
            schedule_url=reverse("admin:bookings_appointment_schedule") + f"?date={start:%Y-%m-%d}",
        ),
    )


@_with_appointment("view")
def appointment_detail(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """The change page: facts, intake outcome and flags, history, and the move form.

    Fields are not edited directly: moving goes through `booking_reschedule` (same rules as
    a client's reschedule, with the staff override of the 24-hour window recorded)."""
    move_form = None
    if request.method == "POST":
        if not model_admin.has_change_permission(request, appointment):
            raise PermissionDenied
        move_form = AppointmentMoveForm(request.POST, auto_id="id_move_%s")
        if move_form.is_valid():
            try:
                moved = booking_reschedule(
                    appointment=appointment,
                    start=move_form.start(),
                    therapist=move_form.cleaned_data["therapist"],
                    actor=request.user,
                )
            except BookingError as error:
                move_form.add_error(None, error.message)
            else:
                model_admin.log_change(request, moved, [{"changed": {"fields": ["start"]}}])
                messages.success(
                    request,
                    f"{moved.reference} moved to {local(moved.start):%A %d %B %Y, %H:%M} "
                    f"with {moved.therapist}.",
                )
                return HttpResponseRedirect(_change_url(moved))
    elif appointment.is_changeable and model_admin.has_change_permission(request, appointment):
        start = local(appointment.start)
        move_form = AppointmentMoveForm(
            initial={"date": start.date(), "time": f"{start:%H:%M}"},
            auto_id="id_move_%s",
        )
    return _detail_response(request, model_admin, appointment, move_form)


@require_POST
@_with_appointment("change")
def appointment_status(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """Check in, completed, no-show: recorded with who and when by the service."""
    try:
        changed = appointment_set_status(
            appointment=appointment, status=request.POST.get("status", ""), actor=request.user
        )
    except BookingError as error:
        messages.error(request, f"{appointment.reference}: {error.message}")
    else:
        messages.success(
            request, f"{changed.reference} is now {changed.get_status_display().lower()}."
        )
    return HttpResponseRedirect(_change_url(appointment))


@require_POST
@_with_appointment("change")
def appointment_reconfirm(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """At check-in: the client told the desk nothing changed (issue #13). Recorded with who
    and when by `reconfirmation.reconfirm_at_desk`; no answer is shown to do it."""
    try:
        reconfirm_at_desk(appointment=appointment, actor=request.user)
    except BookingError as error:
        messages.error(request, f"{appointment.reference}: {error.message}")
    else:
        messages.success(
            request, f"{appointment.reference}: recorded that the client says nothing changed."
        )
    return HttpResponseRedirect(_change_url(appointment))


def _cancel_page(
    request: HttpRequest,
    model_admin: ModelAdmin,
    appointments: list[Appointment],
    form: CancelForm,
    *,
    bulk: bool,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/bookings/appointment/cancel.html",
        _context(
            request,
            model_admin,
            title="Cancel appointments" if bulk else f"Cancel {appointments[0].reference}",
            appointments=[(a, local(a.start)) for a in appointments],
            form=form,
            bulk=bulk,
            action_checkbox_name="_selected_action",
        ),
    )


@_with_appointment("change")
def appointment_cancel(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """Ask for a reason, then cancel through `booking_cancel` (which frees the slot and tells
    the client)."""
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking_cancel(
                appointment=appointment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            model_admin.log_change(request, appointment, [{"changed": {"fields": ["status"]}}])
            messages.success(request, f"{appointment.reference} is cancelled.")
            return HttpResponseRedirect(_change_url(appointment))
    return _cancel_page(request, model_admin, [appointment], form, bulk=False)


def cancel_selected(request: HttpRequest, model_admin: ModelAdmin, queryset) -> HttpResponse | None:
    """The "cancel" list action: a confirmation page with a reason, then one cancellation per
    booking (each its own transaction; one that cannot be cancelled does not stop the rest)."""
    appointments = list(queryset.select_related("client", "therapist", "service"))
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, failed = [], []
        for appointment in appointments:
            try:
                booking_cancel(
                    appointment=appointment,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except BookingError as error:
                failed.append(f"{appointment.reference}: {error.message}")
            else:
                done.append(appointment.reference)
        if done:
            messages.success(request, f"Cancelled {len(done)}: {', '.join(done)}.")
        for line in failed:
            messages.error(request, line)
        return None
    return _cancel_page(request, model_admin, appointments, form, bulk=True)


def set_status_of_selected(
    request: HttpRequest, queryset, status: AppointmentStatus, verb: str
) -> None:
    done, failed = [], []
    for appointment in queryset:
        try:
            appointment_set_status(appointment=appointment, status=status, actor=request.user)
        except BookingError as error:
            failed.append(f"{appointment.reference}: {error.message}")
        else:
            done.append(appointment.reference)
    if done:
        messages.success(request, f"{verb} {len(done)}: {', '.join(done)}.")
    for line in failed:
        messages.error(request, line)


def reconfirm_selected(request: HttpRequest, queryset) -> None:
    """The list action beside "Check in": each client told the desk nothing changed."""
    done, failed = [], []
    for appointment in queryset:
        try:
            reconfirm_at_desk(appointment=appointment, actor=request.user)
        except (BookingError, PermissionDenied) as error:
            failed.append(f"{appointment.reference}: {getattr(error, 'message', error)}")
        else:
            done.append(appointment.reference)
    if done:
        messages.success(request, f"Re-confirmed {len(done)}: {', '.join(done)}.")
    for line in failed:
        messages.error(request, line)


@_with_appointment("view")
def appointment_history(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    return TemplateResponse(
        request,
        "admin/bookings/appointment/history.html",
        _context(
            request,
            model_admin,
            title=f"History of {appointment.reference}",
            original=appointment,
            events=_event_rows(appointment),
        ),
    )
