"""What reading encrypted health data costs on the pages that read the most of it.

    python scripts/with_postgres.py -- .venv/bin/python -m bench.encryption

On the 20-therapist demo clinic (`seed_demo --therapists 20`), median and 95th percentile
over RUNS runs after WARMUPS warm-ups of:

- every intake's answers and reasons loaded through the ORM (each one is decrypted);
- the therapist portal's week page of the busiest therapist (flags from every intake);
- the admin's review queue (the reasons of every booking held for clearance).

Run it on a tree without field encryption and on one with it, on the same machine, to see
the difference (docs/encryption.md has the last numbers). The machine is shared: compare
runs made one after the other.
"""

import datetime as dt
import os
import statistics
import sys
import time

RUNS = 25
WARMUPS = 3


def _setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit(
            "bench.encryption: DATABASE_URL is not set; run it through scripts/with_postgres.py"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ashiatsu_clinic.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=")
    os.environ.setdefault("EMAIL_URL", "memorymail://")
    os.environ.setdefault("ADMIN_REQUIRE_2FA", "false")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings

    # The pages are rendered here without `collectstatic`, as the tests render them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _time(label: str, action) -> None:
    for _ in range(WARMUPS):
        action()
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * len(ordered)) - 1]
    print(f"{label:<44} median {statistics.median(timings):7.2f} ms   p95 {p95:7.2f} ms")


def _expect_ok(client, url: str) -> None:
    status = client.get(url).status_code
    if status != 200:
        sys.exit(f"bench.encryption: {url} answered {status}, not 200")


def main() -> None:
    _setup()
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from bookings.models import Appointment, AppointmentStatus
    from health.models import Intake

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", therapists=20, stdout=io.StringIO())

    intakes = Intake.objects.count()
    _time(
        f"ORM: answers + reasons of {intakes} intakes",
        lambda: [(i.answers, i.reasons) for i in Intake.objects.all()],
    )

    busiest = Appointment.objects.values("therapist").annotate(n=Count("id")).order_by("-n").first()
    therapist_user = get_user_model().objects.get(therapist__pk=busiest["therapist"])
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    portal = Client()
    portal.force_login(therapist_user)
    week_url = f"/therapist/week/{monday:%Y-%m-%d}/"
    _expect_ok(portal, week_url)
    shown = Appointment.objects.filter(therapist=busiest["therapist"]).count()
    _time(f"GET portal week ({shown} sessions in total)", lambda: portal.get(week_url))

    admin_user = get_user_model().objects.create_superuser("bench-manager", password=None)
    desk = Client()
    desk.force_login(admin_user)
    queue_url = "/admin/bookings/appointment/review/"
    _expect_ok(desk, queue_url)
    held = Appointment.objects.filter(status=AppointmentStatus.PENDING_REVIEW).count()
    _time(f"GET admin review queue ({held} held)", lambda: desk.get(queue_url))


if __name__ == "__main__":
    main()
