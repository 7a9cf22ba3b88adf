"""Staff pages inside the admin: appointment detail and booking, schedule grid, review queue,
health answers, CSV export and the expiring-credentials list.

Every view here is reached through `admin_site.admin_view` (staff login) and checks the
user's permission itself: the admin's menus hide what a role may not do, but the server is
what refuses it. Every change to an appointment goes through `bookings.services`, so the
admin obeys the same rules as the booking pages; a `BookingError` becomes a form error or a
message, never a server error.
"""

import csv
import datetime as dt
from collections.abc import Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings import admin_schedule, screening
from bookings.admin_forms import (
    AppointmentBookForm,
    AppointmentMoveForm,
    CancelForm,
    ReviewForm,
    ScheduleDateForm,
    clinic_tz,
)
from bookings.credentials import expiring_credentials as expiring_credentials_affecting
from bookings.forms import ContactForm, IntakeForm
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from bookings.privacy import may_read_full_intake, read_intake_answers
from bookings.services import (
    BookingError,
    ClientDetails,
    appointment_set_status,
    booking_cancel,
    booking_create,
    booking_reschedule,
    intake_approve,
    intake_decline,
)
from therapists.models import Credential, Therapist

EXPIRING_WITHIN_DAYS = 30
STATUS_ACTIONS = {
    AppointmentStatus.CHECKED_IN: "Check in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
}
# What the CSV holds: contact and planning data; never the intake answers.
CSV_COLUMNS = [
    "reference",
    "date",
    "start",
    "end",
    "therapist",
    "service",
    "style",
    "room",
    "client",
    "email",
    "phone",
    "status",
    "intake outcome",
    "pressure",
]


# --- Helpers ------------------------------------------------------------------------------


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


# --- Appointment detail, move, status, cancel --------------------------------------------


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
    if event.kind == AppointmentEvent.Kind.CREATED:
        return f"Booked ({_status_label(details.get('status', '')).lower()})"
    if event.kind == AppointmentEvent.Kind.RESCHEDULED:
        return (
            f"Moved from {_moment(details.get('old'), names)} "
            f"to {_moment(details.get('new'), names)}"
        )
    if event.kind == AppointmentEvent.Kind.CANCELLED:
        if details.get("review") == "declined":
            return f"Declined after intake review{note}"
        reason = details.get("reason")
        return f"Cancelled: {reason}" if reason else "Cancelled"
    if event.kind == AppointmentEvent.Kind.STATUS:
        if details.get("review") == "approved":
            return f"Approved after intake review{note}"
        return f"{_status_label(details.get('old'))} → {_status_label(details.get('new'))}"
    if event.kind == AppointmentEvent.Kind.NOTE:
        return "Session note added"
    return event.get_kind_display()


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
    now = timezone.now()
    status_actions = []
    if can_change:
        if appointment.status == AppointmentStatus.CONFIRMED and start.date() <= local(now).date():
            status_actions.append(AppointmentStatus.CHECKED_IN)
        if (
            appointment.status in (AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)
            and appointment.start <= now
        ):
            status_actions += [AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]
    notes = []
    if request.user.has_perm("bookings.view_sessionnote"):
        notes = list(appointment.notes.select_related("author"))
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
            can_review=request.user.has_perm("bookings.review_intake"),
            move_form=move_form,
            status_actions=[(status, STATUS_ACTIONS[status]) for status in status_actions],
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


# --- Booking from the admin ---------------------------------------------------------------


def appointment_add(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Book by phone or at the desk: the same `booking_create` as online, with the intake.

    Staff may book inside the two-hour notice (a walk-in); everything else holds: a declined
    intake or a taken slot is a form error and nothing is saved."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        book_form = AppointmentBookForm(request.POST)
        contact_form = ContactForm(request.POST, prefix="client")
        intake_form = IntakeForm(request.POST, prefix="intake")
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


# --- Health answers -----------------------------------------------------------------------


def _answer_text(question: screening.Question, value: Any) -> str:
    if question.kind in (screening.BOOL, screening.MUST_BE_TRUE):
        return "Yes" if value is True else "No" if value is False else str(value)
    if question.kind == screening.CHOICE:
        return dict(question.choices).get(value, str(value))
    return str(value or "—")


@_with_appointment(None)
def health_answers(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """The client's full intake answers: clinic manager (or the client's own therapist) only,
    and every read is logged by `read_intake_answers` before anything is shown."""
    answers = read_intake_answers(
        appointment=appointment, user=request.user, where="admin: health answers"
    )
    rows = [
        (question.text, _answer_text(question, answers.get(question.key)))
        for question in screening.QUESTIONS
        if question.key in answers
    ]
    return TemplateResponse(
        request,
        "admin/bookings/appointment/health.html",
        _context(
            request,
            model_admin,
            title=f"Health answers: {appointment.client}",
            subtitle=f"Appointment {appointment.reference}, {local(appointment.start):%d %B %Y}",
            original=appointment,
            intake=appointment.intake,
            rows=rows,
        ),
    )


# --- Review queue -------------------------------------------------------------------------


def review_queue(
    request: HttpRequest,
    model_admin: ModelAdmin,
    bound: dict[int, ReviewForm] | None = None,
    status: int = 200,
) -> TemplateResponse:
    """Bookings held for clearance, soonest first, with the reasons screening gave.

    Everyone who may see appointments sees the queue; only `bookings.review_intake` (the
    clinic manager) gets the approve and decline buttons, and the server checks it again."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    bound = bound or {}
    pending = (
        Appointment.objects.filter(status=AppointmentStatus.PENDING_REVIEW)
        .select_related("client", "therapist", "service__style", "room", "intake")
        .order_by("start")
    )
    now = timezone.now()
    rows = [
        {
            "appointment": appointment,
            "start": local(appointment.start),
            "past": appointment.start < now,
            "form": bound.get(appointment.pk) or ReviewForm(auto_id=f"id_{appointment.pk}_%s"),
        }
        for appointment in pending
    ]
    return TemplateResponse(
        request,
        "admin/bookings/appointment/review.html",
        _context(
            request,
            model_admin,
            title="Intake review queue",
            rows=rows,
            can_review=request.user.has_perm("bookings.review_intake"),
            can_read_answers=request.user.has_perm("bookings.view_full_intake"),
        ),
        status=status,
    )


@require_POST
def review_decide(
    request: HttpRequest, model_admin: ModelAdmin, appointment_id: int
) -> HttpResponse:
    """Approve (the booking becomes confirmed) or decline (cancelled; the client is told,
    with the note as the explanation)."""
    _require(request, "bookings.review_intake")
    appointment = get_object_or_404(Appointment.objects.select_related("client"), pk=appointment_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose approve or decline.")
        return redirect("admin:bookings_appointment_review")
    form = ReviewForm(
        request.POST, note_required=decision == "decline", auto_id=f"id_{appointment.pk}_%s"
    )
    if not form.is_valid():
        return review_queue(request, model_admin, bound={appointment.pk: form}, status=400)
    review = intake_approve if decision == "approve" else intake_decline
    try:
        review(appointment=appointment, actor=request.user, note=form.cleaned_data["note"])
    except BookingError as error:
        messages.error(request, f"{appointment.reference}: {error.message}")
    else:
        model_admin.log_change(request, appointment, [{"changed": {"fields": ["status"]}}])
        if decision == "approve":
            messages.success(request, f"{appointment.reference} approved and confirmed.")
        else:
            messages.success(
                request, f"{appointment.reference} declined; {appointment.client} is told."
            )
    return redirect("admin:bookings_appointment_review")


# --- Schedule -----------------------------------------------------------------------------


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


# --- CSV export ---------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


# A spreadsheet runs a cell that starts like a formula; client names are typed by anyone.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv_rows(queryset) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for appointment in queryset.iterator(chunk_size=500):
        start, end = local(appointment.start), local(appointment.end)
        yield [
            _cell(value)
            for value in (
                appointment.reference,
                f"{start:%Y-%m-%d}",
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                appointment.therapist.display_name,
                appointment.service.name,
                appointment.service.style.name,
                appointment.room.name,
                appointment.client.name,
                appointment.client.email,
                appointment.client.phone,
                appointment.get_status_display(),
                appointment.intake.get_outcome_display(),
                appointment.intake.get_effective_pressure_display(),
            )
        ]


def export_csv(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """The appointment list exactly as filtered and searched, every page of it.

    Contact and planning data only: the intake's outcome and pressure, never its answers."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        return redirect(reverse("admin:bookings_appointment_changelist") + "?e=1")
    queryset = changelist.queryset.select_related(
        "client", "therapist", "service__style", "room", "intake"
    ).defer("intake__answers")
    writer = csv.writer(_Echo())
    stamp = local(timezone.now())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(queryset)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointments-{stamp:%Y%m%d-%H%M}.csv"'
    return response


# --- Credentials --------------------------------------------------------------------------


@require_POST
def credential_verify(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Record that clinic staff checked the credential with its issuer (who and when)."""
    _require(request, "therapists.verify_credential")
    credential = model_admin.get_object(request, unquote(object_id))
    if credential is None:
        return model_admin._get_obj_does_not_exist_redirect(
            request, model_admin.model._meta, object_id
        )
    if verify_credentials(request, model_admin, [credential]):
        messages.success(request, f"{credential} is verified.")
    else:
        messages.info(request, f"{credential} was already verified.")
    return HttpResponseRedirect(reverse("admin:therapists_credential_change", args=[credential.pk]))


def verify_credentials(request: HttpRequest, model_admin: ModelAdmin, credentials) -> int:
    """Mark unverified credentials verified by the current user now; how many were."""
    now = timezone.now()
    count = 0
    for credential in credentials:
        updated = Credential.objects.filter(pk=credential.pk, verified_at__isnull=True).update(
            verified_at=now, verified_by=request.user
        )
        if updated:
            credential.verified_at, credential.verified_by = now, request.user
            model_admin.log_change(request, credential, "Verified.")
            count += 1
    return count


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
