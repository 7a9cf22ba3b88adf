"""Every table of the report, defined once: the page renders it and the CSV download writes
it, so the two can never disagree."""

from dataclasses import dataclass

from bookings import workload
from reports.queries import ClinicReport, Utilisation


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV's name
    caption: str
    headers: list[str]
    rows: list[list[str]]
    total: list[str] | None = None


def pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _utilisation(slug, caption, first, lines, total=None) -> Table:
    def row(line):
        week = "Total" if line.week is None else f"{line.week:%Y-%m-%d}"
        cells = {"name": [line.name], "week": [week], "name+week": [line.name, week]}[first]
        return [
            *cells,
            str(line.open_minutes),
            str(line.booked_minutes),
            str(line.sessions),
            pct(line.percent),
        ]

    head = {"name": ["Name"], "week": ["Week of"], "name+week": ["Name", "Week of"]}[first]
    return Table(
        slug,
        caption,
        [*head, "Open minutes", "Booked minutes", "Sessions", "Utilisation %"],
        [row(line) for line in lines],
        None if total is None else row(total),
    )


def build_tables(report: ClinicReport) -> dict[str, Table]:
    """Every table of the manager's report, by slug, in the order the page shows them."""
    tables = [
        *_utilisation_tables(report),
        *_load_tables(report),
        *_attendance_tables(report),
        *_service_and_review_tables(report),
    ]
    return {t.slug: t for t in tables}


def _utilisation_tables(r: ClinicReport) -> list[Table]:
    """Booked against open minutes: the clinic, each therapist and each room."""
    return [
        _utilisation(
            "utilisation-by-week",
            "Clinic utilisation by week",
            "week",
            r.clinic_weeks,
            total=_total_row(r),
        ),
        _utilisation("utilisation-therapists", "Utilisation per therapist", "name", r.therapists),
        _utilisation(
            "utilisation-therapist-weeks",
            "Utilisation per therapist, week by week",
            "name+week",
            r.therapist_weeks,
        ),
        _utilisation("utilisation-rooms", "Utilisation per room", "name", r.rooms),
        _utilisation(
            "utilisation-room-weeks",
            "Utilisation per room, week by week",
            "name+week",
            r.room_weeks,
        ),
    ]


def _load_tables(r: ClinicReport) -> list[Table]:
    """Each therapist's weighted load against the weekly budget."""
    return [
        Table(
            "load",
            "Therapist load against the weekly budget (weighted minutes)",
            [
                "Therapist",
                "Budget",
                "Average week",
                "Busiest week",
                "Busiest week of",
                "Busiest week % of budget",
                "Weeks over budget",
            ],
            [
                [
                    load.name,
                    str(load.budget_minutes),
                    str(load.average_minutes),
                    str(load.peak_minutes),
                    "" if load.peak_week is None else f"{load.peak_week:%Y-%m-%d}",
                    pct(load.peak_percent),
                    str(load.weeks_over),
                ]
                for load in r.loads
            ],
        ),
        Table(
            "load-weeks",
            "Therapist load, week by week (weighted minutes)",
            ["Therapist", "Week of", "Load", "Budget"],
            [
                [
                    load.name,
                    f"{monday:%Y-%m-%d}",
                    str(workload.as_minutes(load.weekly.get(monday, 0))),
                    str(load.budget_minutes),
                ]
                for load in r.loads
                for monday in r.period.mondays
            ],
        ),
    ]


def _attendance_tables(r: ClinicReport) -> list[Table]:
    """No-shows and late cancellations, new and returning clients."""
    return [
        Table(
            "no-shows",
            "No-shows and late cancellations by week",
            [
                "Week of",
                "Bookings",
                "Cancelled",
                "Late cancellations",
                "Sessions due",
                "No-shows",
                "No-show %",
                "Late-cancel %",
            ],
            [_rates_row(f"{w.week:%Y-%m-%d}", w) for w in r.rates],
            _rates_row("Total", r.rates_total),
        ),
        Table(
            "clients",
            "New and returning clients by week",
            ["Week of", "Clients", "New", "Returning", "New who came back", "Retention %"],
            [
                [
                    f"{w.week:%Y-%m-%d}",
                    str(w.clients),
                    str(w.new),
                    str(w.returning),
                    str(w.came_back),
                    pct(w.retention_percent),
                ]
                for w in r.clients
            ],
            [
                "Total",
                "",
                str(r.clients_total.new),
                "",
                str(r.clients_total.came_back),
                pct(r.clients_total.retention_percent),
            ],
        ),
    ]


def _service_and_review_tables(r: ClinicReport) -> list[Table]:
    """Bookings by service and style, and how long reviews keep clients waiting."""
    return [
        Table(
            "services",
            "Bookings by service",
            [
                "Style",
                "Service",
                "Bookings",
                "Cancelled",
                "No-shows",
                "Kept",
                "Kept minutes",
                "Value at list price ($)",
            ],
            [_service_row(line, line.style) for line in r.services],
        ),
        Table(
            "styles",
            "Bookings by style",
            [
                "Style",
                "Bookings",
                "Cancelled",
                "No-shows",
                "Kept",
                "Kept minutes",
                "Value at list price ($)",
            ],
            [_service_row(line)[1:] for line in r.styles],
        ),
        Table(
            "review-waits",
            "Review queue: waiting time by week booked",
            ["Week of", "Needed review", "Decided", "Average wait (hours)", "Longest wait (hours)"],
            [
                [
                    f"{w.week:%Y-%m-%d}",
                    str(w.needed_review),
                    str(w.decided),
                    hours(w.average_hours),
                    hours(w.longest_hours),
                ]
                for w in r.reviews
            ],
        ),
    ]


def _total_row(r: ClinicReport) -> Utilisation:
    return Utilisation(
        "Total", None, r.clinic.open_minutes, r.clinic.booked_minutes, r.clinic.sessions
    )


def _rates_row(first: str, w) -> list[str]:
    return [
        first,
        str(w.bookings),
        str(w.cancelled),
        str(w.late_cancelled),
        str(w.due),
        str(w.no_shows),
        pct(w.no_show_percent),
        pct(w.late_cancel_percent),
    ]


def _service_row(line, style: str | None = None) -> list[str]:
    return [
        style or line.style,
        line.service,
        str(line.bookings),
        str(line.cancelled),
        str(line.no_shows),
        str(line.kept),
        str(line.kept_minutes),
        f"{line.value:.2f}",
    ]
