"""The clinic's staff side: appointments, clients, rooms, services, and the pages around them.

Roles are groups (bookings/migrations/0003_staff_roles.py): the front desk works with
appointments, clients, working hours and time off and sees intake outcomes and flags; the
clinic manager may do everything, including reading full health answers and reviewing
intakes. Appointments are never edited field by field: booking, moving, cancelling and status
changes go through `bookings.services` (see `bookings.admin_views`), and nobody deletes one.
"""

import datetime as dt
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, IntegerField, OuterRef, Subquery
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import (  # noqa: F401 (admin_therapists and admin_clearances register)
    admin_clearances,
    admin_therapists,
    admin_views,
    clients,
    privacy,
    record_sections,
)
from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Client,
    ClientMerge,
    ClosedDay,
    Intake,
    IntakeAccess,
    Reminder,
    Room,
    Service,
    Style,
    TreatmentPlan,
)
from core.clock import clinic_tz
from core.model_admin import ClinicModelAdmin

APPOINTMENT_RELATED = ["client", "therapist", "service__style", "room", "intake"]


class ReadOnlyAdminMixin:
    """Records written only by the services (history, intakes, the access log)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Style)
class StyleAdmin(ClinicModelAdmin):
    list_display = ["name", "slug", "required_credential"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Service)
class ServiceAdmin(ClinicModelAdmin):
    list_display = ["name", "style", "duration_minutes", "price", "active"]
    list_filter = ["style", "active"]
    list_select_related = ["style"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Room)
class RoomAdmin(ClinicModelAdmin):
    list_display = ["name", "slug", "equipped_for", "active"]
    list_filter = ["active", "styles"]
    filter_horizontal = ["styles"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("styles")

    @admin.display(description="Equipped for")
    def equipped_for(self, room: Room) -> str:
        return ", ".join(style.name for style in room.styles.all())


@admin.register(Client)
class ClientAdmin(ClinicModelAdmin):
    list_display = ["name", "email", "phone", "bookings", "confirmed", "created_at"]
    search_fields = ["name", "email", "phone"]
    date_hierarchy = "created_at"
    ordering = ["name"]
    fields = ["name", "email", "phone", "confirmed", "merged_into", "appointments", "plans"]
    readonly_fields = ["confirmed", "merged_into", "appointments", "plans"]

    def autocomplete_label(self, client: Client) -> str:
        """How a client reads in the admin's search boxes: the name and the address, since
        names repeat (`ashiatsu_clinic.admin_site.LabelledAutocomplete`)."""
        return f"{client.name} · {client.email}"

    @admin.display(description="Confirmed")
    def confirmed(self, client: Client) -> str:
        if client.merged_into_id:
            return f"Merged into record {client.merged_into_id}"
        if client.confirmed_at is None:
            return "Not yet (one booking, typed details)"
        when = f"{timezone.localtime(client.confirmed_at, clinic_tz()):%d %b %Y}"
        return f"{client.get_confirmed_by_display()} ({when})"

    @admin.display(description="Appointments")
    def appointments(self, client: Client) -> str:
        """The client's bookings, newest first, each linking to its page (one query)."""
        if client.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:bookings_appointment_change", args=[a.pk]),
                a.reference,
                f"{timezone.localtime(a.start, clinic_tz()):%a %d %b %Y, %H:%M}",
                a.therapist.display_name,
                a.service.name,
                a.get_status_display(),
            )
            for a in client.appointments.select_related("therapist", "service").order_by("-start")
        ]
        if not rows:
            return "—"
        return format_html(
            '<ul class="client-bookings">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> {}: {}, {} ({})</li>', rows),
        )

    @admin.display(description="Treatment plans")
    def plans(self, client: Client) -> str:
        """The client's series, and a link that books a new one for this record."""
        if client.pk is None or client.merged_into_id:
            return "—"
        rows = [
            (reverse("admin:bookings_treatmentplan_change", args=[plan.pk]), str(plan))
            for plan in client.treatment_plans.select_related("service", "therapist")
        ]
        return format_html(
            '{}<a href="{}?client={}">Book a treatment plan</a>',
            format_html_join("", '<a href="{}">{}</a><br>', rows),
            reverse("admin:bookings_treatmentplan_add"),
            client.pk,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(booking_count=Count("appointments"))

    @admin.display(description="Bookings", ordering="booking_count")
    def bookings(self, client: Client) -> int:
        return client.booking_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The record page: visits, intakes, clearances and notes under the read rules
        (`bookings.record_sections`, which logs each health read)."""
        client = self.get_object(request, object_id)
        if client is not None and self.has_view_permission(request, client):
            extra_context = {
                **(extra_context or {}),
                "record_html": record_sections.render_record(user=request.user, client=client),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    actions = ["merge_records", "confirm_identity", "export_data", "erase_data"]

    def has_merge_permission(self, request) -> bool:
        return clients.may_merge(request.user)

    @admin.action(description="Merge the two selected records (same person)", permissions=["merge"])
    def merge_records(self, request, queryset):
        """Two records of one person become one, after a page that asks which to keep:
        bookings, intakes and waitlist entries move, each booking's history says so."""
        chosen = list(queryset.order_by("created_at", "pk"))
        if len(chosen) != 2:
            self.message_user(
                request, "Select exactly two client records to merge.", messages.ERROR
            )
            return None
        keep_pk = request.POST.get("keep")
        if keep_pk:
            keep = next((c for c in chosen if str(c.pk) == keep_pk), None)
            if keep is None:
                self.message_user(request, "Choose which record to keep.", messages.ERROR)
                return None
            merge = next(c for c in chosen if c.pk != keep.pk)
            try:
                audit = clients.client_merge(keep=keep, merge=merge, by=request.user)
            except clients.MergeError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged: {audit.appointments_moved} booking(s) moved to {keep.name} "
                f"({keep.email}); the record is confirmed.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/bookings/client/merge_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge two client records?",
                "clients": chosen,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description="Mark identity confirmed (checked by the clinic)", permissions=["change"]
    )
    def confirm_identity(self, request, queryset):
        count = 0
        for record in queryset.filter(merged_into=None):
            clients.client_confirm(client=record, by=request.user)
            count += 1
        self.message_user(request, f"Confirmed {count} client record(s).")

    @admin.action(description="Export the selected clients' data (JSON)")
    def export_data(self, request, queryset):
        """A client's right of access: everything held about them, as one JSON file."""
        if not request.user.has_perm("bookings.view_full_intake"):
            raise PermissionDenied
        emails = sorted({c.email.lower() for c in queryset})
        data = [privacy.client_export(email=email, user=request.user) for email in emails]
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="client-data.json"'
        return response

    @admin.action(description="Erase the selected clients' personal and health data")
    def erase_data(self, request, queryset):
        """A client's right to erasure, after a confirmation page: contact details, intake
        answers and notes go; appointments stay for the schedule's integrity."""
        if not request.user.has_perm("bookings.view_full_intake"):
            raise PermissionDenied
        emails = sorted({c.email.lower() for c in queryset})
        if request.POST.get("confirm") == "yes":
            erased = sum(privacy.client_erase(email=e, user=request.user) for e in emails)
            self.message_user(request, f"Erased the data of {erased} client record(s).")
            return None
        return TemplateResponse(
            request,
            "admin/bookings/client/erase_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Erase client data?",
                "clients": queryset,
                "emails": emails,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(ClinicModelAdmin):
    """Series of sessions (bookings/series.py). Adding one is the two-step booking page;
    a plan's page lists its sessions and cancels the ones still to come."""

    list_display = ["__str__", "first_start", "created_by", "created_at", "cancelled_at"]
    list_select_related = ["client", "therapist", "service", "created_by"]
    search_fields = ["client__name", "client__email"]
    date_hierarchy = "first_start"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        def wrap(view):
            def inner(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(inner)

        return [
            path(
                "<path:object_id>/cancel/",
                wrap(admin_views.series_cancel_view),
                name="bookings_treatmentplan_cancel",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.series_add(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.series_detail(request, self, object_id)


@admin.register(ClientMerge)
class ClientMergeAdmin(ReadOnlyAdminMixin, ClinicModelAdmin):
    """The audit trail of merges: which record was folded into which, by whom, when."""

    list_display = ["at", "kept", "merged", "by", "appointments_moved"]
    list_select_related = ["kept", "merged", "by"]
    search_fields = ["kept__name", "kept__email", "merged__name", "merged__email"]


@admin.register(Intake)
class IntakeAdmin(ReadOnlyAdminMixin, ClinicModelAdmin):
    """Outcomes and flags only. The answers themselves are health data: managers read them on
    the appointment's "Health answers" page, which logs every read."""

    list_display = ["id", "questionnaire_version", "outcome", "effective_pressure", "created_at"]
    list_filter = ["outcome", "questionnaire_version"]
    fields = ["questionnaire_version", "outcome", "reasons", "effective_pressure", "flags"]
    readonly_fields = fields

    @admin.display(description="Flags")
    def flags(self, intake: Intake) -> str:
        return ", ".join(intake.flags) or "—"


@admin.register(IntakeAccess)
class IntakeAccessAdmin(ReadOnlyAdminMixin, ClinicModelAdmin):
    """Who read which client's health answers, when and where."""

    list_display = ["at", "user", "intake", "where"]
    list_filter = ["where"]
    list_select_related = ["user", "intake"]
    search_fields = ["user__username", "intake__appointment__reference"]
    date_hierarchy = "at"


@admin.register(AppointmentEvent)
class AppointmentEventAdmin(ReadOnlyAdminMixin, ClinicModelAdmin):
    """Every appointment's history in one list: who booked, moved, cancelled, checked in."""

    list_display = ["at", "booking", "kind", "what", "actor", "staff_override"]
    list_filter = ["kind", "staff_override"]
    list_select_related = ["appointment__client", "appointment__therapist", "actor"]
    search_fields = ["appointment__reference", "appointment__client__name"]
    date_hierarchy = "at"

    @admin.display(description="What happened")
    def what(self, event: AppointmentEvent) -> str:
        return admin_views.describe_event(event)

    @admin.display(description="Appointment", ordering="appointment__start")
    def booking(self, event: AppointmentEvent) -> str:
        appointment = event.appointment
        start = timezone.localtime(appointment.start, clinic_tz())
        return format_html(
            '<a href="{}">{}</a> {} with {}, {}',
            reverse("admin:bookings_appointment_change", args=[appointment.pk]),
            appointment.reference,
            appointment.client,
            appointment.therapist,
            f"{start:%a %d %b %Y %H:%M}",
        )


class WhenFilter(admin.SimpleListFilter):
    """Days as the front desk thinks of them, in the clinic's time zone."""

    title = "date"
    parameter_name = "when"
    CHOICES = [
        ("today", "Today"),
        ("tomorrow", "Tomorrow"),
        ("next7", "Next 7 days"),
        ("upcoming", "From now on"),
        ("past", "Past"),
    ]

    def lookups(self, request, model_admin):
        return self.CHOICES

    def queryset(self, request, queryset):
        tz = clinic_tz()
        now = timezone.now()
        today = timezone.localdate(now, timezone=tz)

        def midnight(days: int) -> dt.datetime:
            return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(), tzinfo=tz)

        match self.value():
            case "today":
                return queryset.filter(start__gte=midnight(0), start__lt=midnight(1))
            case "tomorrow":
                return queryset.filter(start__gte=midnight(1), start__lt=midnight(2))
            case "next7":
                return queryset.filter(start__gte=midnight(0), start__lt=midnight(7))
            case "upcoming":
                return queryset.filter(end__gt=now)
            case "past":
                return queryset.filter(end__lte=now)
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(ClinicModelAdmin):
    """The front desk's main list. Change, add, history and the extra pages are in
    `bookings.admin_views`; the list itself is the stock changelist with actions."""

    list_display = [
        "reference",
        "when",
        "therapist",
        "service_and_style",
        "room",
        "client",
        "status",
        "intake_summary",
    ]
    list_display_links = ["reference", "when"]
    list_filter = [WhenFilter, "status", "therapist", "service__style"]
    list_select_related = APPOINTMENT_RELATED
    search_fields = ["reference", "client__name", "client__email", "client__phone"]
    date_hierarchy = "start"
    ordering = ["-start"]
    list_per_page = 50
    actions = [
        "check_in",
        "reconfirm_at_desk",
        "mark_completed",
        "mark_no_show",
        "cancel_appointments",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*APPOINTMENT_RELATED)

    def has_delete_permission(self, request, obj=None) -> bool:
        """Appointments are cancelled (which frees the slot and tells the client), never
        deleted: the history and the client's record stay."""
        return False

    # --- Columns --------------------------------------------------------------------------

    @admin.display(description="When", ordering="start")
    def when(self, appointment: Appointment) -> str:
        start = timezone.localtime(appointment.start, clinic_tz())
        end = timezone.localtime(appointment.end, clinic_tz())
        return f"{start:%a %d %b %Y, %H:%M}–{end:%H:%M}"

    @admin.display(description="Service", ordering="service__name")
    def service_and_style(self, appointment: Appointment) -> str:
        """Service names already say the style ("Bar therapy, 60 minutes")."""
        return appointment.service.name

    @admin.display(description="Intake")
    def intake_summary(self, appointment: Appointment) -> str:
        intake = appointment.intake
        flags = format_html_join(
            "", '<span class="intake-flag">{}</span>', ((f,) for f in intake.flags)
        )
        return format_html(
            '<span class="intake-outcome outcome-{}">{}</span>{}',
            intake.outcome.replace("_", "-"),
            intake.get_outcome_display(),
            flags,
        )

    # --- Actions --------------------------------------------------------------------------

    @admin.action(description="Check in selected clients", permissions=["change"])
    def check_in(self, request, queryset):
        admin_views.set_status_of_selected(
            request, queryset, AppointmentStatus.CHECKED_IN, "Checked in"
        )

    @admin.action(
        description="Selected clients say nothing changed (intake re-confirmed at check-in)",
        permissions=["change"],
    )
    def reconfirm_at_desk(self, request, queryset):
        admin_views.reconfirm_selected(request, queryset)

    @admin.action(description="Mark selected sessions completed", permissions=["change"])
    def mark_completed(self, request, queryset):
        admin_views.set_status_of_selected(
            request, queryset, AppointmentStatus.COMPLETED, "Completed"
        )

    @admin.action(description="Mark selected sessions no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        admin_views.set_status_of_selected(
            request, queryset, AppointmentStatus.NO_SHOW, "Marked no-show"
        )

    @admin.action(
        description="Cancel selected appointments (with a reason)…", permissions=["change"]
    )
    def cancel_appointments(self, request, queryset):
        return admin_views.cancel_selected(request, self, queryset)

    # --- Pages ----------------------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            def inner(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(inner)

        name = "bookings_appointment_"
        return [
            path("schedule/", wrap(admin_views.schedule_day), name=name + "schedule"),
            path(
                "schedule/week/<int:therapist_id>/",
                wrap(admin_views.schedule_week),
                name=name + "schedule_week",
            ),
            path("review/", wrap(admin_views.review_queue), name=name + "review"),
            path(
                "review/<int:appointment_id>/",
                wrap(admin_views.review_decide),
                name=name + "review_decide",
            ),
            path("export/", wrap(admin_views.export_csv), name=name + "export"),
            path(
                "<path:object_id>/health/",
                wrap(admin_views.health_answers),
                name=name + "health",
            ),
            path(
                "<path:object_id>/status/",
                wrap(admin_views.appointment_status),
                name=name + "status",
            ),
            path(
                "<path:object_id>/reconfirm/",
                wrap(admin_views.appointment_reconfirm),
                name=name + "reconfirm",
            ),
            path(
                "<path:object_id>/cancel/",
                wrap(admin_views.appointment_cancel),
                name=name + "cancel",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.appointment_add(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.appointment_detail(request, self, object_id)

    def history_view(self, request, object_id, extra_context=None):
        return admin_views.appointment_history(request, self, object_id)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "pending_review": Appointment.objects.filter(
                status=AppointmentStatus.PENDING_REVIEW
            ).count(),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)


@admin.register(ClosedDay)
class ClosedDayAdmin(ClinicModelAdmin):
    list_display = ["date", "reason", "bookings_that_day"]
    date_hierarchy = "date"
    ordering = ["-date"]

    def get_queryset(self, request):
        # One subquery, not a query per row; `__date` converts in the clinic's time zone.
        bookings = (
            Appointment.objects.active()
            .filter(start__date=OuterRef("date"))
            .order_by()
            .annotate(count=Func(F("pk"), function="COUNT"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(booking_count=Subquery(bookings, output_field=IntegerField()))
        )

    @admin.display(description="Bookings that day", ordering="booking_count")
    def bookings_that_day(self, closed_day: ClosedDay) -> str:
        if not closed_day.booking_count:
            return "—"
        url = reverse("admin:bookings_appointment_schedule") + f"?date={closed_day.date}"
        return format_html('<a href="{}">{} to move or cancel</a>', url, closed_day.booking_count)


@admin.register(Reminder)
class ReminderAdmin(ClinicModelAdmin):
    list_display = ["appointment", "kind", "appointment_start", "due_at", "sent_at", "outcome"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["appointment__client", "appointment__therapist"]
    readonly_fields = ["appointment", "kind", "appointment_start", "due_at", "sent_at", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
