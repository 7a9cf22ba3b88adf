"""`make bench`, section "reports": the manager's report over a year of a 20-therapist clinic.

    python scripts/with_postgres.py -- .venv/bin/python -m bench.reports   # this section only

Called from `bench.run` (one line) after the booking scenarios, on the same throwaway
database. It writes a year of history that ends before the demo's own fortnight of history
(52 weeks x 5 days x 4 sessions x 20 therapists, about 20,800 appointments, each with its own
client row drawn from 2,500 people, 10 % cancelled, 5 % no-shows, 5 % held for review), then
times `reports.queries.clinic_report` over those 52 weeks. Target: median under 200 ms with
the same number of queries for one week and for 52. Exits non-zero when the target is missed.
"""

import datetime as dt
import gc
import math
import random
import statistics
import sys
import time

RUNS = 15
WARMUPS = 2
TARGET_MEDIAN_MS = 200.0
PEOPLE = 2500
SESSION_HOURS = (9, 11, 13, 15)


def _timed(action, runs: int = RUNS) -> tuple[list[float], list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUPS):
        action()
    timings, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return timings, queries


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _seed_year(first_monday: dt.date, weeks: int) -> int:
    """A year of direct writes (the booking service refuses past times), idempotent."""
    from django.db import transaction
    from django.utils import timezone

    from bookings.models import Appointment, AppointmentEvent, Room, Service, hash_manage_token
    from therapists.models import Therapist

    if Room.objects.filter(slug="bench-room-0").exists():
        return 0
    rng = random.Random(17)  # noqa: S311 - benchmark data
    tz = timezone.get_current_timezone()
    team = list(Therapist.objects.filter(active=True).order_by("slug")[:20])
    services = list(Service.objects.filter(active=True).order_by("slug"))
    rooms = [
        Room.objects.create(name=f"Bench room {i}", slug=f"bench-room-{i}", active=False)
        for i in range(len(team))
    ]
    rows = _planned_sessions(rng, tz, team, services, rooms, first_monday, weeks)
    # created_at and the events' `at` are history here, not "now".
    auto_fields = [
        Appointment._meta.get_field("created_at"),
        AppointmentEvent._meta.get_field("at"),
    ]
    for auto in auto_fields:
        auto.auto_now_add = False
    try:
        with transaction.atomic():
            appointments = _write_sessions(rows, rng, hash_manage_token("bench"))
            AppointmentEvent.objects.bulk_create(
                _history_events(appointments, rows, rng), batch_size=2000
            )
    finally:
        for auto in auto_fields:
            auto.auto_now_add = True
    return len(appointments)


def _planned_sessions(rng, tz, team, services, rooms, first_monday: dt.date, weeks: int):
    """(therapist, room, service, start, status, review roll) for every weekday session:
    a tenth cancelled, a twentieth no-shows, the rest completed."""
    from bookings.models import AppointmentStatus

    rows = []
    for week in range(weeks):
        for weekday in range(5):
            day = first_monday + dt.timedelta(weeks=week, days=weekday)
            for index, therapist in enumerate(team):
                for hour in SESSION_HOURS:
                    service = rng.choice(services)
                    start = dt.datetime.combine(day, dt.time(hour), tz)
                    roll = rng.random()
                    status = (
                        AppointmentStatus.CANCELLED
                        if roll < 0.10
                        else AppointmentStatus.NO_SHOW
                        if roll < 0.15
                        else AppointmentStatus.COMPLETED
                    )
                    rows.append((therapist, rooms[index], service, start, status, rng.random()))
    return rows


def _write_sessions(rows, rng, token: str) -> list:
    """A client (some addresses repeat, a few in capitals), an intake (a twentieth needing
    clearance) and an appointment per planned session, in bulk."""
    from bookings.models import Appointment
    from clients.models import Client
    from health import questionnaires, screening
    from health.models import Intake, IntakeOutcome

    people = [f"person{n}@example.com" for n in range(PEOPLE)]
    clients = Client.objects.bulk_create(
        [
            Client(
                name="Bench client",
                email=rng.choice(people).upper() if rng.random() < 0.05 else rng.choice(people),
                phone="+1 212 555 0100",
            )
            for _ in rows
        ],
        batch_size=2000,
    )
    intakes = Intake.objects.bulk_create(
        [
            Intake(
                questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION,
                answers=screening.clear_answers(),
                outcome=IntakeOutcome.NEEDS_CLEARANCE if review < 0.05 else IntakeOutcome.CLEAR,
                effective_pressure="medium",
            )
            for *_, review in rows
        ],
        batch_size=2000,
    )
    return Appointment.objects.bulk_create(
        [
            Appointment(
                client=client,
                therapist=therapist,
                service=service,
                room=room,
                intake=intake,
                start=start,
                end=start + service.duration,
                occupied_until=start
                + service.duration
                + dt.timedelta(minutes=therapist.buffer_minutes),
                status=status,
                manage_token_hash=token,
                created_at=start - dt.timedelta(days=3),
            )
            for (therapist, room, service, start, status, _), client, intake in zip(
                rows, clients, intakes, strict=True
            )
        ],
        batch_size=2000,
    )


def _history_events(appointments, rows, rng) -> list:
    """The cancellations (some late) and review decisions the report counts."""
    from bookings.models import AppointmentEvent, AppointmentStatus

    events = []
    for appointment, (*_, review) in zip(appointments, rows, strict=True):
        if appointment.status == AppointmentStatus.CANCELLED:
            before = dt.timedelta(hours=rng.choice([2, 12, 48, 96]))
            events.append(
                AppointmentEvent(
                    appointment=appointment,
                    kind=AppointmentEvent.Kind.CANCELLED,
                    at=appointment.start - before,
                )
            )
        if review < 0.05:
            events.append(
                AppointmentEvent(
                    appointment=appointment,
                    kind=AppointmentEvent.Kind.STATUS,
                    at=appointment.created_at + dt.timedelta(hours=rng.choice([1, 4, 20])),
                )
            )
    return events


def run() -> int:
    """Seed the year (untimed), time the report, print a table; 0 if the target is met."""
    from django.db import connection
    from django.utils import timezone

    from bookings.models import Appointment
    from bookings.workload import iso_monday
    from reports.headlines import weekly_headlines
    from reports.period import Period
    from reports.queries import clinic_report
    from reports.tables import build_tables
    from reports.views import report_charts

    today = timezone.localdate()
    # The year ends before the demo's own history (14 days back) begins.
    last_sunday = iso_monday(today - dt.timedelta(days=15)) - dt.timedelta(days=1)
    year = Period.covering(last_sunday - dt.timedelta(weeks=51, days=6), last_sunday)
    week = Period.covering(last_sunday, last_sunday)
    started = time.perf_counter()
    created = _seed_year(year.first_monday, len(year.mondays))
    gc.collect()  # the seeding's model instances, so their collection is not timed below
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live clinic
    seeded = time.perf_counter() - started

    def page_work():
        report = clinic_report(year)
        build_tables(report)
        report_charts(report)

    scenarios = [
        ("e) reports: clinic_report, 52 weeks", lambda: clinic_report(year)),
        ("e) reports: clinic_report, 1 week", lambda: clinic_report(week)),
        ("e) reports: 52 weeks + tables + SVG charts", page_work),
        ("e) reports: digest headlines (1 week)", lambda: weekly_headlines(today=today)),
    ]
    results = [(name, *_timed(action)) for name, action in scenarios]
    in_year = Appointment.objects.filter(start__gte=year.start, start__lt=year.end).count()
    print()
    print(
        f"Reports over {year.first_monday} – {year.last_sunday} ({len(year.mondays)} weeks): "
        f"{in_year} appointments ({created} written now in {seeded:.0f} s), {RUNS} runs each"
    )
    width = max(len(name) for name, *_ in results)
    print(f"{'scenario'.ljust(width)} | median ms |  p95 ms | queries")
    for name, timings, queries in results:
        label = (
            str(min(queries)) if min(queries) == max(queries) else f"{min(queries)}-{max(queries)}"
        )
        print(
            f"{name.ljust(width)} | {statistics.median(timings):9.1f} | {_p95(timings):7.1f} | "
            f"{label}"
        )
    year_median = statistics.median(results[0][1])
    constant = set(results[0][2]) == set(results[1][2])
    met = year_median < TARGET_MEDIAN_MS and constant
    print(
        f"reports target: 52 weeks < {TARGET_MEDIAN_MS:.0f} ms median, queries constant: "
        f"{year_median:.1f} ms, {results[0][2][0]} vs {results[1][2][0]} queries: "
        f"{'met' if met else 'NOT MET'}"
    )
    return 0 if met else 1


def _main() -> int:
    """This section alone, with the same set-up as `bench.run` (not imported: no cycle)."""
    import os

    import django

    if not os.environ.get("DATABASE_URL"):
        sys.exit("bench.reports: DATABASE_URL is not set; run it through scripts/with_postgres.py")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ashiatsu_clinic.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=")
    os.environ.setdefault("EMAIL_URL", "memorymail://")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", therapists=20, stdout=quiet)
    return run()


if __name__ == "__main__":
    sys.exit(_main())
