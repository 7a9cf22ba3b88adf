"""The week's headline numbers for the weekly manager e-mail (`ashiatsu_clinic.digest`, the
project package above every app, calls this)."""

import datetime as dt

from reports.period import Period
from reports.queries import clinic_report


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} %"


def weekly_headlines(*, today: dt.date) -> list[tuple[str, str]]:
    """The last full ISO week before `today` (the digest goes out on Monday morning)."""
    last_week = today - dt.timedelta(days=today.weekday() + 7)
    report = clinic_report(Period.covering(last_week, last_week))
    rates, clients = report.rates_total, report.clients_total
    over = [load.name for load in report.loads if load.weeks_over]
    lines = [
        ("Week", f"{report.period.first_monday:%d %b} – {report.period.last_sunday:%d %b %Y}"),
        ("Sessions booked", str(report.clinic.sessions)),
        ("Utilisation (booked / open minutes)", _percent(report.clinic.percent)),
        ("No-show rate", f"{_percent(rates.no_show_percent)} ({rates.no_shows} of {rates.due})"),
        (
            "Late cancellations",
            f"{rates.late_cancelled} ({_percent(rates.late_cancel_percent)} of bookings)",
        ),
        ("New clients", str(clients.new)),
        ("Returning clients", str(report.clients[0].returning if report.clients else 0)),
        ("Intakes waiting for review now", str(report.waiting_now)),
        ("Therapists over their weekly load budget", ", ".join(over) if over else "none"),
    ]
    return lines
