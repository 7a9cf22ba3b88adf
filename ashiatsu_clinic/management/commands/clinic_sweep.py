"""`manage.py clinic_sweep`: the clinic's periodic work (see `ashiatsu_clinic.sweep`).

Once, for cron (`* * * * * manage.py clinic_sweep`), or with `--every SECONDS` as a
long-running process beside `manage.py db_worker`. Safe to run in several places at once.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ashiatsu_clinic.sweep import clinic_sweep


class Command(BaseCommand):
    help = "Send due reminders, retry e-mails, move waitlist offers on, send weekly digests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Keep sweeping, waiting this long between passes (default: sweep once).",
        )

    def handle(self, *args, every: float, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        if every:
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
        while True:
            close_old_connections()
            done = clinic_sweep()
            if options["verbosity"] > 1 or not every:
                self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
            if not every:
                return
            slept = 0.0
            while running and slept < every:
                time.sleep(min(1.0, every - slept))
                slept += 1.0
            if not running:
                return
