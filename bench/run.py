"""Benchmark availability and booking on a real database: `make bench`.

    python scripts/with_postgres.py -- .venv/bin/python -m bench.run

Migrates, seeds the 20-therapist demo clinic (idempotent), then times each scenario
(median and 95th percentile over RUNS runs after WARMUPS warm-ups) and counts its SQL
queries. The loader promises a fixed number of queries whatever the window, so the query
count of "20 therapists x 14 days" must equal that of "1 therapist x 1 day". Bookings are
real and stay in the database, which is why this wants a throwaway one.
"""

import datetime as dt
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import reports as bench_reports

RUNS = 30
WARMUPS = 3
TARGET_MEDIAN_MS = 50.0


@dataclass
class Measurement:
    scenario: str
    timings_ms: list[float]
    queries: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings_ms)  # nearest rank
        return ordered[math.ceil(0.95 * len(ordered)) - 1]

    @property
    def query_label(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit(
            "bench: DATABASE_URL is not set. The benchmark seeds data and books real "
            "appointments, so it needs a throwaway database:\n"
            "  .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m bench.run"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ashiatsu_clinic.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    # Bookings send their e-mail on commit; keep it in memory, not on the console.
    os.environ.setdefault("EMAIL_URL", "memorymail://")
    import django

    django.setup()
    # The immediate task backend logs every e-mail task at INFO; the table is the output.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)


def measure(
    scenario: str,
    action: Callable[..., Any],
    *,
    prepare: Callable[[int], tuple] | None = None,
    runs: int = RUNS,
) -> Measurement:
    """Time `action` `runs` times after WARMUPS warm-ups, counting its queries each time.

    `prepare(n)`, if given, runs untimed before the n-th call and returns its arguments.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(WARMUPS):
        action(*(prepare(n) if prepare else ()))
    timings, queries = [], []
    for n in range(WARMUPS, WARMUPS + runs):
        arguments = prepare(n) if prepare else ()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action(*arguments)
            elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        queries.append(len(captured.captured_queries))
    return Measurement(scenario, timings, queries)


def _print_table(rows: list[Measurement]) -> None:
    header = ("scenario", "runs", "median ms", "p95 ms", "queries")
    cells = [
        (m.scenario, str(len(m.timings_ms)), f"{m.median:.1f}", f"{m.p95:.1f}", m.query_label)
        for m in rows
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        first, *rest = row
        numbers = [cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
        return " | ".join([first.ljust(widths[0]), *numbers])

    print(line(header))
    print("-+-".join("-" * width for width in widths))
    for row in cells:
        print(line(row))


def main() -> int:
    _setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bookings import availability, screening
    from bookings.models import Service
    from bookings.schedules import clinic_rules, load_window, service_spec
    from bookings.services import ClientDetails, booking_create
    from therapists.models import Credential, CredentialKind, Therapist

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", therapists=20, stdout=quiet)

    now = timezone.now()
    rules = clinic_rules()
    today = now.astimezone(rules.tz).date()
    service = Service.objects.select_related("style").get(slug="bar-60")
    spec = service_spec(service)
    team = list(Therapist.objects.filter(active=True).order_by("slug"))
    by_id = {t.pk: t for t in team}
    # A therapist whose bar certificate and licence cover the whole 60 days (the demo has
    # one whose certificate expires in 20 days, which would make scenario (a) lighter).
    covered = Credential.objects.valid_on(today + dt.timedelta(days=59))
    solo = (
        Therapist.objects.filter(
            active=True, credentials__in=covered.filter(kind=CredentialKind.BAR_CERTIFICATION)
        )
        .filter(credentials__in=covered.filter(kind=CredentialKind.MASSAGE_LICENCE))
        .order_by("slug")
        .first()
    )
    if solo is None or len(team) < 20:
        sys.exit("bench: the demo data has no bar-qualified therapist or fewer than 20 therapists")

    def availability_of(
        therapists: list[Therapist] | None, days: int, *, pick: bool
    ) -> list[availability.Slot]:
        """What the booking page computes: load the window, list free slots, and for
        "any therapist" keep one slot per start."""
        window = load_window(first_day=today, days=days, therapists=therapists, tz=rules.tz)
        slots = availability.free_slots(
            service=spec,
            therapists=window.therapists,
            rooms=window.rooms,
            closed_days=window.closed_days,
            first_day=today,
            days=days,
            now=now,
            rules=rules,
        )
        if not pick:
            return slots
        return availability.pick_for_any(
            slots,
            sessions_per_day={t.id: t.sessions_per_day for t in window.therapists},
            tz=rules.tz,
        )

    def fresh_slot(n: int, *, anyone: bool) -> tuple[availability.Slot, bool, int]:
        """Untimed: a slot from a fresh availability list, so it is free when booked; a
        stride through the list spreads the bookings over the fortnight."""
        slots = availability_of(None, 14, pick=anyone)
        if not slots:
            sys.exit("bench: no free slot left to book")
        return slots[(n * 97) % len(slots)], anyone, n

    def book(slot: availability.Slot, anyone: bool, n: int) -> None:
        booking_create(
            service=service,
            therapist=None if anyone else by_id[slot.therapist_id],
            start=slot.start,
            client=ClientDetails(
                name=f"Bench client {n}", email=f"bench{n}@example.com", phone="+1 212 555 0142"
            ),
            answers=screening.clear_answers(),
        )

    rows = [
        measure(
            f"a) availability, 1 therapist x 60 days ({service.slug})",
            lambda: availability_of([solo], 60, pick=False),
        ),
        measure(
            f"b) availability, {len(team)} therapists x 14 days, any",
            lambda: availability_of(None, 14, pick=True),
        ),
        measure(
            "c) booking_create, chosen therapist",
            book,
            prepare=lambda n: fresh_slot(n, anyone=False),
        ),
        measure(
            "c) booking_create, any therapist",
            book,
            prepare=lambda n: fresh_slot(n + 1000, anyone=True),
        ),
        measure(
            "d) loader only, 1 therapist x 1 day",
            lambda: load_window(first_day=today, days=1, therapists=[solo], tz=rules.tz),
        ),
        measure(
            f"d) loader only, {len(team)} therapists x 14 days",
            lambda: load_window(first_day=today, days=14, therapists=team, tz=rules.tz),
        ),
    ]

    print(
        f"Ashiatsu Clinic benchmark on {connection.vendor}: {len(team)} therapists, "
        f"{RUNS} runs after {WARMUPS} warm-ups each, now {now:%Y-%m-%d %H:%M} UTC"
    )
    print()
    _print_table(rows)
    print()
    print("booking_create includes its confirmation e-mail (immediate task backend, in memory).")
    print(f"target: 20 therapists x 14 days < {TARGET_MEDIAN_MS:.0f} ms median, queries constant")
    any_14, loader_small, loader_large = rows[1], rows[4], rows[5]
    constant = (
        loader_small.query_label == loader_large.query_label
        and any_14.query_label == loader_large.query_label
    )
    met = any_14.median < TARGET_MEDIAN_MS and constant
    print(
        f"result: {any_14.median:.1f} ms median; loader queries {loader_small.query_label} "
        f"(1 x 1 day) vs {loader_large.query_label} (20 x 14 days): {'met' if met else 'NOT MET'}"
        f" (total {time.perf_counter() - started:.0f} s)"
    )
    return bench_reports.run()  # the reports section (issue 17): exits 1 if its target is missed


if __name__ == "__main__":
    sys.exit(main())
