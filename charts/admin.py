"""Session charts in the staff admin: that a note exists for everyone with the view
permission (the front desk); its content only for those who may read health data (the clinic
manager), and every such view logged. Nobody writes or deletes charts here: the therapist
writes them in the portal, and `charts.services` decides about deletion."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from charts.models import ChartAccess, ChartNote
from charts.privacy import log_chart_reads, may_read_chart
from core.model_admin import ClinicModelAdmin

ADMIN_PAGE = "admin chart page"
EXISTENCE_FIELDS = ["appointment", "therapist", "status", "signed_at", "created_at"]
CONTENT_FIELDS = ["subjective", "objective", "assessment", "plan", "pressure_used", "regions"]


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChartNote)
class ChartNoteAdmin(ReadOnly, ClinicModelAdmin):
    list_display = ["appointment", "therapist", "status", "signed_at"]
    list_filter = [("signed_at", admin.EmptyFieldListFilter)]
    search_fields = ["appointment__reference"]
    list_select_related = ["appointment__therapist", "appointment__client"]

    def get_fields(self, request, obj=None):
        if obj is not None and may_read_chart(request.user, obj.appointment):
            return EXISTENCE_FIELDS + CONTENT_FIELDS + ["addenda"]
        return EXISTENCE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        note = self.get_object(request, object_id)
        if note is not None and may_read_chart(request.user, note.appointment):
            log_chart_reads(
                user=request.user, appointment_ids=[note.appointment_id], where=ADMIN_PAGE
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Therapist")
    def therapist(self, note: ChartNote) -> str:
        return note.appointment.therapist.display_name

    @admin.display(description="Status")
    def status(self, note: ChartNote) -> str:
        if note.erased_at:
            return "Signed (client data erased)"
        return "Signed" if note.is_signed else "Draft"

    @admin.display(description="Regions worked")
    def regions(self, note: ChartNote) -> str:
        return (
            format_html_join(
                "",
                "<div>{}: {}, {} {}</div>",
                (
                    (
                        e.get_region_display(),
                        e.get_technique_display(),
                        e.get_pressure_display(),
                        e.client_response,
                    )
                    for e in note.entries.all()
                ),
            )
            or "—"
        )

    @admin.display(description="Addenda")
    def addenda(self, note: ChartNote) -> str:
        rows = format_html_join(
            "",
            "<div>{} · {}: {}</div>",
            ((a.created_at, a.author, a.text) for a in note.addenda.select_related("author")),
        )
        return rows or format_html("{}", "—")


@admin.register(ChartAccess)
class ChartAccessAdmin(ReadOnly, ClinicModelAdmin):
    """Who has read which session's chart: the audit log a regulator may ask for."""

    list_display = ["at", "user", "appointment", "where"]
    list_filter = ["where"]
    search_fields = ["appointment__reference", "user__username"]
    list_select_related = ["user", "appointment"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("health.view_full_intake")
