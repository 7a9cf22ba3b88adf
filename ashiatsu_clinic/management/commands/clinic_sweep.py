"""`manage.py clinic_sweep`: one pass of the clinic's periodic work (`ashiatsu_clinic.sweep`),
by hand or from a test. The running service sweeps in its worker (`db_worker --sweep-every`,
`ashiatsu_clinic.scheduler`), the one scheduler; this pass is safe beside it.
"""

from django.core.management.base import BaseCommand

from ashiatsu_clinic.scheduler import sweep_pass


class Command(BaseCommand):
    help = "Send due reminders, retry e-mails, move waitlist offers on, send weekly digests."

    def handle(self, *args, **options):
        done = sweep_pass()
        if done is None:
            self.stderr.write("The database is unavailable; nothing was swept.")
            raise SystemExit(1)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
