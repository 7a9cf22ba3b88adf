"""`manage.py purge_intakes [--years N]`: the retention rule for health answers.

Run it daily (cron, or beside the worker). Intake answers of sessions that ended more than
INTAKE_RETENTION_YEARS ago (default 7) are blanked; appointments and outcomes stay.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from bookings.privacy import purge_old_intake_answers


class Command(BaseCommand):
    help = "Blank intake answers older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=settings.INTAKE_RETENTION_YEARS)

    def handle(self, *args, years: int, **options) -> None:
        if years < 1:
            self.stderr.write("--years must be 1 or more.")
            raise SystemExit(2)
        count = purge_old_intake_answers(years=years)
        self.stdout.write(f"Blanked the answers of {count} intake(s) older than {years} years.")
