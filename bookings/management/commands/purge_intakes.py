"""`manage.py purge_intakes [--years N]`: the retention rule for health answers.

Run it daily (cron, or beside the worker). For sessions that ended more than
INTAKE_RETENTION_YEARS ago (default 7) intake answers are blanked (and, through the apps above, session charts and form answers);
clients with no newer session are erased; waitlist entries that long past lose their answers
and contact details (`bookings.privacy.retention_purge`). Appointments and outcomes stay.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from bookings.privacy import retention_purge


class Command(BaseCommand):
    help = "Purge health answers, notes and contact details older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=settings.INTAKE_RETENTION_YEARS)

    def handle(self, *args, years: int, **options) -> None:
        if years < 1:
            self.stderr.write("--years must be 1 or more.")
            raise SystemExit(2)
        counts = retention_purge(years=years)
        done = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        self.stdout.write(f"Purged data older than {years} years: {done}.")
