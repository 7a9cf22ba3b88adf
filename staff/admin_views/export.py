"""CSV export of appointments: contact and planning data only, never intake answers, and
safe against spreadsheet formula injection."""

from collections.abc import Iterator

from django.contrib.admin import ModelAdmin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from core.csv_cells import csv_writer
from staff.admin_views.common import local

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


class _Echo:
    def write(self, value: str) -> str:
        return value


# A spreadsheet runs a cell that starts like a formula; client names are typed by anyone:
# the writer (core.csv_cells) makes every cell text.
def _csv_rows(queryset) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for appointment in queryset.iterator(chunk_size=500):
        start, end = local(appointment.start), local(appointment.end)
        yield [
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
    writer = csv_writer(_Echo())
    stamp = local(timezone.now())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(queryset)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointments-{stamp:%Y%m%d-%H%M}.csv"'
    return response
