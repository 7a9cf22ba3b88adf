"""The admin of therapists' own proposals (new hours, time off) and calendar connections.

The front desk sees every proposal and connection; only a manager (`decide_hourschange`)
approves or declines, from the list's actions. Each proposal shows the booked sessions the
change would leave uncovered (`bookings.hours_review`), linked to the appointment, so the
desk can move them; approving never cancels a session.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings.hours_review import uncovered_sessions
from core.clock import clinic_tz
from core.model_admin import ClinicModelAdmin
from therapists.hours_changes import change_approve, change_decline
from therapists.models import CalendarConnection, ChangeKind, ChangeStatus, HoursChange

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@admin.register(HoursChange)
class HoursChangeAdmin(ClinicModelAdmin):
    list_display = ["therapist", "summary", "status", "created_at", "uncovered"]
    list_filter = ["status", "kind"]
    list_select_related = ["therapist"]
    ordering = ["status", "-created_at"]
    actions = ["approve", "decline"]
    fields = [
        "therapist",
        "kind",
        "summary",
        "week",
        "note",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "uncovered",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # therapists propose in their portal

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # decided through the actions only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("therapists.decide_hourschange")

    @admin.display(description="What")
    def summary(self, change: HoursChange) -> str:
        if change.kind == ChangeKind.TIME_OFF:
            tz = clinic_tz()
            start, end = change.start.astimezone(tz), change.end.astimezone(tz)
            if start.date() == end.date():
                return f"Time off {start:%a %d %b %Y %H:%M}–{end:%H:%M}"
            return f"Time off {start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M}"
        return f"New hours from {change.valid_from:%a %d %b %Y}"

    @admin.display(description="Proposed week")
    def week(self, change: HoursChange) -> str:
        if change.kind == ChangeKind.TIME_OFF:
            return "—"
        return ", ".join(f"{WEEKDAYS[d]} {a}–{b}" for d, a, b in change.hours) or "No hours"

    @admin.display(description="Sessions left uncovered")
    def uncovered(self, change: HoursChange) -> str:
        if change.status != ChangeStatus.PENDING:
            return "—"
        sessions = uncovered_sessions(change)
        if not sessions:
            return "None"
        tz = clinic_tz()
        return format_html_join(
            ", ",
            '<a href="{}">{} {}</a>',
            (
                (
                    reverse("admin:bookings_appointment_change", args=[a.pk]),
                    a.reference,
                    f"{a.start.astimezone(tz):%d %b %H:%M}",
                )
                for a in sessions
            ),
        )

    def _decide(self, request, queryset, decide, verb: str) -> None:
        done = 0
        for change in queryset.filter(status=ChangeStatus.PENDING):
            left = uncovered_sessions(change) if verb == "approved" else []
            if decide(change=change, actor=request.user):
                done += 1
                if left:
                    messages.warning(
                        request,
                        format_html(
                            "{}: {} booked session(s) are now outside the hours; they still "
                            "stand, move them.",
                            change,
                            len(left),
                        ),
                    )
        self.message_user(request, f"{done} proposal(s) {verb}.")

    @admin.action(description="Approve the selected proposals", permissions=["decide"])
    def approve(self, request, queryset):
        self._decide(request, queryset, change_approve, "approved")

    @admin.action(description="Decline the selected proposals", permissions=["decide"])
    def decline(self, request, queryset):
        self._decide(request, queryset, change_decline, "declined")


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(ClinicModelAdmin):
    """Which therapists' own calendars are connected and whether they answer (the app
    password is never shown)."""

    list_display = ["therapist", "url", "last_synced_at", "health"]
    list_select_related = ["therapist"]
    fields = ["therapist", "url", "username", "connected_at", "last_synced_at", "health"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="State")
    def health(self, connection: CalendarConnection) -> str:
        if connection.failing_since is None:
            return "Answering"
        since = timezone.localtime(connection.failing_since, clinic_tz())
        return f"Not answering since {since:%d %b %H:%M}: {connection.last_error}"
