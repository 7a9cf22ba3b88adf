"""The manager's reports in the admin: one page with charts and tables, and a CSV of every
table. Manager only (`reports.view_reports`): the front desk, therapists and staff without
a role get 403 (or the admin login when they are not staff), because the reports show money
and every therapist's workload.
"""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.csv_cells import csv_writer
from reports import charts
from reports.period import MAX_WEEKS, period_from
from reports.queries import ClinicReport, clinic_report
from reports.tables import build_tables

PERMISSION = "reports.view_reports"
# Week-by-week tables of every therapist and room are on the page up to this many weeks
# (a quarter); longer ranges have them as CSV only, so a year's page stays light.
DETAIL_WEEKS = 13


def manager_only(view):
    """Staff login through the admin (2FA rules included), then the reports permission."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(never_cache(require_safe(wrapper)))


def report_charts(report: ClinicReport) -> list[charts.Chart]:
    weeks = report.period.mondays
    return [
        charts.columns(
            id="chart-utilisation",
            title="Clinic utilisation by week",
            description="Booked minutes as a percentage of open minutes, each week.",
            weeks=weeks,
            series=[("utilisation", [w.percent for w in report.clinic_weeks])],
            unit=" %",
            floor_max=100,
        ),
        charts.horizontal_bars(
            id="chart-therapists",
            title="Utilisation per therapist",
            description="Booked minutes as a percentage of each therapist's open minutes.",
            rows=[(t.name, t.percent, _pct(t.percent)) for t in report.therapists],
            unit=" %",
        ),
        charts.horizontal_bars(
            id="chart-rooms",
            title="Utilisation per room",
            description="Booked minutes as a percentage of the clinic's open minutes.",
            rows=[(r.name, r.percent, _pct(r.percent)) for r in report.rooms],
            unit=" %",
        ),
        charts.horizontal_bars(
            id="chart-load",
            title="Busiest week against the weekly load budget",
            description="Each therapist's busiest week as a percentage of their budget; "
            "the dashed line is the budget.",
            rows=[(load.name, load.peak_percent, _pct(load.peak_percent)) for load in report.loads],
            unit=" %",
            reference=100,
            reference_label="budget",
        ),
        charts.columns(
            id="chart-no-shows",
            title="No-show and late-cancel rates by week",
            description="No-shows as a percentage of sessions due, late cancellations as a "
            "percentage of bookings.",
            weeks=weeks,
            series=[
                ("no-show", [w.no_show_percent for w in report.rates]),
                ("late cancel", [w.late_cancel_percent for w in report.rates]),
            ],
            unit=" %",
            floor_max=10,
        ),
        charts.columns(
            id="chart-clients",
            title="New and returning clients by week",
            description="Clients with a visit each week, new ones stacked under returning ones.",
            weeks=weeks,
            series=[
                ("new", [w.new for w in report.clients]),
                ("returning", [w.returning for w in report.clients]),
            ],
            stacked=True,
            floor_max=4,
        ),
        charts.horizontal_bars(
            id="chart-services",
            title="Kept bookings by service",
            description="Sessions that were not cancelled and not missed, per service.",
            rows=[(s.service, s.kept, str(s.kept)) for s in report.services],
        ),
    ]


def _pct(value: float | None) -> str:
    return "no open time" if value is None else f"{value:.0f} %"


@manager_only
def report_page(request: HttpRequest) -> HttpResponse:
    """The report for the chosen weeks; a bad range is a 400 with the form's message."""
    period, form = period_from(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": "Manager reports",
        "form": form,
        "max_weeks": MAX_WEEKS,
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "cutoff_hours": settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS,
    }
    if period is None:
        return TemplateResponse(request, "reports/report.html", context, status=400)
    report = clinic_report(period)
    tables = build_tables(report)
    chart_list = report_charts(report)
    context.update(
        report=report,
        period=period,
        tables={slug.replace("-", "_"): table for slug, table in tables.items()},
        charts={c.id.removeprefix("chart-").replace("-", "_"): c for c in chart_list},
        weights=sorted(settings.LOAD_STYLE_WEIGHTS.items()),
        show_detail=len(period.mondays) <= DETAIL_WEEKS,
        detail_weeks=DETAIL_WEEKS,
    )
    return TemplateResponse(request, "reports/report.html", context)


@manager_only
def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the report as CSV, for the same range as the page."""
    period, form = period_from(request.GET)
    if period is None:
        errors = "; ".join(e for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    tables = build_tables(clinic_report(period))
    if table not in tables:
        raise Http404("No such report table.")
    chosen = tables[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{chosen.slug}_{period.first_monday:%Y-%m-%d}_{period.last_sunday:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response)  # a name such as "=HYPERLINK(...)" stays text
    writer.writerow(chosen.headers)
    for row in [*chosen.rows, *([chosen.total] if chosen.total else [])]:
        writer.writerow(row)
    return response
