"""The clinic's staff side: appointments, clients, rooms, services, and the pages around them.

Roles are groups (bookings/migrations/0003_staff_roles.py): the front desk works with
appointments, clients, working hours and time off and sees intake outcomes and flags; the
clinic manager may do everything, including reading full health answers and reviewing
intakes. Appointments are never edited field by field: booking, moving, cancelling and status
changes go through `bookings.services` (see `staff.admin_views`), and nobody deletes one.
"""

import datetime as dt

from django import forms
from django.contrib import admin
from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings.models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    ClosedDay,
    Reminder,
    Room,
    Service,
    Style,
)
from clients.models import ClientMerge
from core.amounts import PriceField
from core.clock import clinic_tz
from core.model_admin import ClinicModelAdmin
from health.models import Intake, IntakeAccess
from staff import (  # noqa: F401 (admin_clients, admin_therapists and admin_clearances register)
    admin_clearances,
    admin_clients,
    admin_hours,
    admin_therapists,
    admin_views,
)

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


class ServiceForm(forms.ModelForm):
    """The price typed in dollars and read strictly (`core.amounts`: "1e3" and "12,50" are
    refused, not read as $1,000 and $1,250)."""

    price = PriceField(allow_zero=True, label="Price ($)")

    class Meta:
        model = Service
        fields = [
            "style", "name", "slug", "description", "duration_minutes", "price", "active",
            "allows_series",
        ]  # fmt: skip


@admin.register(Service)
class ServiceAdmin(ClinicModelAdmin):
    form = ServiceForm
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
    `staff.admin_views`; the list itself is the stock changelist with actions."""

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
