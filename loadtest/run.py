"""Load test the clinic as production runs it, then prove nothing was double-booked.

    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m loadtest.run [options]

In the (throwaway) database DATABASE_URL points at: migrate, seed the 20-therapist demo
clinic, collect static files (into STATIC_ROOT, the git-ignored staticfiles/); start gunicorn
with DEBUG off on a free port on 127.0.0.1; run the people of `loadtest/locustfile.py`
(browsing, availability, bookings racing for the same few slots, cancellations) for a fixed
time; stop gunicorn; print requests per second, latency percentiles and status counts per
kind of request; then read every appointment that holds time and check pairwise that no
therapist and no room is booked twice.

Exits non-zero on any 5xx or connection error, any double booking, or a race that never
happened (no 409 at all would mean the test did not test anything). Traffic goes only to
127.0.0.1, and the run is bounded: MAX_DURATION seconds of load at most.
"""

# locust patches the standard library for gevent on import; it must come before the rest.
import locust  # noqa: I001, F401

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import gevent.pool
from locust.env import Environment

from loadtest import locustfile

BASE_DIR = Path(__file__).resolve().parent.parent
MAX_DURATION = 120
MAX_USERS = 200
SERVER_START_TIMEOUT = 60
SERVER_STOP_TIMEOUT = 30
RAMP_SECONDS = 5
KINDS = ["browse", "availability", "booking", "cancel"]
BOOKING_P95_TARGET_MS = 300.0
THROUGHPUT_TARGET = 150.0  # requests per second at 200 users (issue #12), reported
# The server runs as production does, except that it speaks plain HTTP on loopback and that
# one address (this script) may book far more often than any real client.
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "loadtest-only-not-a-secret",
    "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "RATELIMIT_ENABLE": "false",
    "EMAIL_URL": "memorymail://",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class KindStats:
    timings_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def percentile(self, fraction: float) -> float:
        if not self.timings_ms:
            return math.nan
        ordered = sorted(self.timings_ms)  # nearest rank
        return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]

    def count(self, low: int, high: int, *, exclude: int | None = None) -> int:
        return sum(n for s, n in self.statuses.items() if low <= s <= high and s != exclude)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--duration", type=int, default=40, help="seconds of load (default 40)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker; over 1 means gthread (default 1: sync)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=int(os.environ.get("CONN_MAX_AGE", "60")),
        help="PostgreSQL connection reuse in seconds, as `make serve` (default: env or 60)",
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=locustfile.THINK_SECONDS,
        help="seconds each user waits between actions (default 0.5 1.5)",
    )
    arguments = parser.parse_args()
    if not 1 <= arguments.duration <= MAX_DURATION:
        parser.error(f"--duration must be 1 to {MAX_DURATION} seconds")
    if not 1 <= arguments.users <= MAX_USERS:
        parser.error(f"--users must be 1 to {MAX_USERS}")
    return arguments


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _prepare_database(env: dict[str, str]) -> None:
    print("loadtest: migrate, seed_demo --therapists 20, collectstatic ...", flush=True)
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "createcachetable")
    _manage(env, "seed_demo", "--therapists", "20")
    try:
        _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    except subprocess.CalledProcessError:
        sys.exit(
            "loadtest: collectstatic failed (see above), so production static files cannot be "
            "served; fix that first (`manage.py collectstatic --noinput` with DEBUG off)."
        )


def _start_server(env: dict[str, str], port: int, arguments, log) -> subprocess.Popen:
    worker = ["--worker-class", "sync"]
    if arguments.threads > 1:
        worker = ["--worker-class", "gthread", "--threads", str(arguments.threads)]
    command = [
        sys.executable, "-m", "gunicorn", "ashiatsu_clinic.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(arguments.workers), *worker,
        "--timeout", "30", "--graceful-timeout", "10", "--error-logfile", "-",
        # Its default path is shared by every gunicorn of this user, e.g. a `make serve`.
        "--no-control-socket",
    ]  # fmt: skip
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"loadtest: gunicorn exited with {server.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{url}/api/services", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    _stop_server(server)
    sys.exit(f"loadtest: gunicorn did not answer within {SERVER_START_TIMEOUT} s; see {log.name}")


def _stop_server(server: subprocess.Popen) -> None:
    server.terminate()  # gunicorn: graceful stop on TERM
    try:
        server.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _family(root: int) -> set[int]:
    """`root` and its child processes (gunicorn's master and workers)."""
    family = {root}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == root:
            family.add(int(stat.parent.name))
    return family


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot, every process on the machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuUse:
    """Where the CPU went during the load, in cores busy on average: on a small machine the
    load generator and PostgreSQL compete with the server, and so may other people's work."""

    server: float
    load_generator: float
    machine: float
    seconds: float

    def report(self) -> str:
        other = max(self.machine - self.server - self.load_generator, 0.0)
        return (
            f"CPU during the load, cores busy of {os.cpu_count()}: gunicorn "
            f"{self.server / self.seconds:.2f}, load generator "
            f"{self.load_generator / self.seconds:.2f}, PostgreSQL and everything else on the "
            f"machine {other / self.seconds:.2f}"
        )


def _warm_up(url: str, arguments) -> None:
    """A few untimed requests of each kind, concurrently so that every worker gets some:
    the first request a worker serves loads templates and opens its database connection,
    which is start-up cost, not the steady state the table reports."""
    paths = [
        "/", "/book/", "/therapists/", f"/book/{locustfile.HOT_SERVICE}/any/",
        "/api/services", "/api/therapists",
        f"/api/availability?service={locustfile.HOT_SERVICE}&days=7",
    ]  # fmt: skip

    def fetch(path: str) -> None:
        with urllib.request.urlopen(url + path, timeout=30) as answer:  # noqa: S310 - loopback
            answer.read()

    pool = gevent.pool.Pool(arguments.workers * arguments.threads)
    pool.map(fetch, paths * arguments.workers * 2)


def _run_load(url: str, arguments, server_pid: int) -> tuple[dict, dict, float, CpuUse]:
    locustfile.ClinicVisitor.wait_time = locust.between(*arguments.think)
    stats: dict[str, KindStats] = defaultdict(KindStats)
    bookings: dict[str, Counter] = defaultdict(Counter)

    def record(name, response_time, response, exception, **_kwargs) -> None:
        kind = name.split(" ", 1)[0]
        status = getattr(response, "status_code", 0) or 0
        stats[kind].timings_ms.append(response_time)
        stats[kind].statuses[status] += 1
        if kind == "booking":
            bookings[name][status] += 1  # which kind of attempt won or lost, for the report

    environment = Environment(
        user_classes=[locustfile.ClinicVisitor], host=url, events=locust.events
    )
    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    print(
        f"loadtest: {arguments.users} users for {arguments.duration} s against {url} "
        f"({arguments.workers} gunicorn workers x {arguments.threads} threads, "
        f"CONN_MAX_AGE={arguments.conn_max_age}, think {arguments.think[0]}-"
        f"{arguments.think[1]} s) ...",
        flush=True,
    )
    server = _family(server_pid)
    before = (_cpu_seconds(server), _cpu_seconds({os.getpid()}), _machine_busy_seconds())
    started = time.monotonic()
    # Users arrive over RAMP_SECONDS, not in one burst; all of it is measured.
    runner.start(arguments.users, spawn_rate=arguments.users / RAMP_SECONDS)
    gevent.spawn_later(arguments.duration, runner.quit)
    runner.greenlet.join(timeout=arguments.duration + SERVER_STOP_TIMEOUT)
    elapsed = time.monotonic() - started
    after = (_cpu_seconds(server), _cpu_seconds({os.getpid()}), _machine_busy_seconds())
    if runner.state != "stopped":
        runner.quit()
    cpu = CpuUse(*(b - a for a, b in zip(before, after, strict=True)), seconds=elapsed)
    return stats, bookings, elapsed, cpu


def _print_table(
    stats: dict[str, KindStats], bookings: dict[str, Counter], elapsed: float
) -> float:
    header = ("kind", "requests", "p50 ms", "p95 ms", "p99 ms", "2xx", "409", "other 4xx", "5xx")
    rows = []
    for kind in [*KINDS, "total"]:
        if kind == "total":
            merged = KindStats()
            for part in stats.values():
                merged.timings_ms += part.timings_ms
                merged.statuses += part.statuses
            part = merged
        else:
            part = stats.get(kind, KindStats())
        errors = part.statuses.get(0, 0)
        rows.append(
            (
                kind,
                str(len(part.timings_ms)),
                f"{part.percentile(0.50):.0f}",
                f"{part.percentile(0.95):.0f}",
                f"{part.percentile(0.99):.0f}",
                str(part.count(200, 299)),
                str(part.statuses.get(409, 0)),
                str(part.count(400, 499, exclude=409)),
                str(part.count(500, 599)) + (f" (+{errors} no answer)" if errors else ""),
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row) -> str:
        return " | ".join(
            [row[0].ljust(widths[0])]
            + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        )

    print()
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line(row))
    print()
    for name, statuses in sorted(bookings.items()):
        booked = sum(n for status, n in statuses.items() if 200 <= status < 300)
        other = sum(statuses.values()) - booked - statuses.get(409, 0)
        print(f"{name}: {booked} booked, {statuses.get(409, 0)} taken (409), {other} other")
    total = sum(len(part.timings_ms) for part in stats.values())
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests per second")
    return total / elapsed


def _double_bookings(env: dict[str, str]) -> tuple[int, int, list[str]]:
    """Read every appointment that holds time and compare each pair sharing a therapist or
    a room: their occupied intervals [start, occupied_until) must not meet. Done here in
    Python, independently of the exclusion constraints that are supposed to guarantee it."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ashiatsu_clinic.settings")
    import django

    django.setup()
    from bookings.models import Appointment, AppointmentStatus

    held = list(
        Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).values_list(
            "reference", "therapist_id", "room_id", "start", "occupied_until"
        )
    )
    cancelled = Appointment.objects.filter(status=AppointmentStatus.CANCELLED).count()
    return len(held), cancelled, overlaps(held)


def overlaps(held: list[tuple]) -> list[str]:
    """Pairs of (reference, therapist_id, room_id, start, occupied_until) that share a
    therapist or a room and whose half-open occupied intervals meet."""
    problems = []
    for position, what in ((1, "therapist"), (2, "room")):
        groups = defaultdict(list)
        for appointment in held:
            groups[appointment[position]].append(appointment)
        for owner, appointments in groups.items():
            for i, a in enumerate(appointments):
                for b in appointments[i + 1 :]:
                    if a[3] < b[4] and b[3] < a[4]:
                        problems.append(f"{what} {owner}: {a[0]} overlaps {b[0]}")
    return problems


def main() -> int:
    arguments = _arguments()
    if not os.environ.get("DATABASE_URL"):
        sys.exit(
            "loadtest: DATABASE_URL is not set. The load test seeds data and books real "
            "appointments, so it needs a throwaway database:\n"
            "  .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m loadtest.run"
        )
    print(f"loadtest: load average before the run {os.getloadavg()[0]:.2f} (others' work counts)")
    env = {**os.environ, **SERVER_ENV, "CONN_MAX_AGE": str(arguments.conn_max_age)}
    _prepare_database(env)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile(
        "w+", prefix="loadtest-gunicorn-", suffix=".log", delete=False
    ) as log:
        server = _start_server(env, port, arguments, log)
        try:
            _warm_up(url, arguments)
            stats, bookings, elapsed, cpu = _run_load(url, arguments, server.pid)
        finally:
            _stop_server(server)
        print(f"loadtest: gunicorn stopped (exit {server.returncode}); its log: {log.name}")

    throughput = _print_table(stats, bookings, elapsed)
    print(cpu.report())
    held, cancelled, problems = _double_bookings(env)
    print(
        f"\ndouble bookings: {len(problems)} among {held} appointments holding time "
        f"({cancelled} cancelled appointments ignored), checked pairwise per therapist and room"
    )
    for problem in problems[:20]:
        print(f"  {problem}")

    failures = []
    server_errors = sum(s.count(500, 599) + s.statuses.get(0, 0) for s in stats.values())
    if server_errors:
        failures.append(f"{server_errors} server errors or unanswered requests")
    if problems:
        failures.append(f"{len(problems)} double bookings")
    booking = stats.get("booking", KindStats())
    if not booking.statuses.get(409):
        failures.append("no booking conflict (409) happened, so the race was not tested")
    if not booking.count(200, 299):
        failures.append("no booking succeeded")
    p95 = booking.percentile(0.95)
    verdict = "met" if p95 < BOOKING_P95_TARGET_MS else "NOT MET (reported, not failed)"
    print(f"booking p95 {p95:.0f} ms; target < {BOOKING_P95_TARGET_MS:.0f} ms: {verdict}")
    verdict = "met" if throughput >= THROUGHPUT_TARGET else "NOT MET (reported, not failed)"
    print(
        f"throughput {throughput:.1f} requests/s with {arguments.users} users; target >= "
        f"{THROUGHPUT_TARGET:.0f} at 200 users: {verdict}; load average now "
        f"{os.getloadavg()[0]:.2f}"
    )
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("OK: no 5xx, no double booking")
    return 0


if __name__ == "__main__":
    sys.exit(main())
