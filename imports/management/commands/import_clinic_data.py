"""`manage.py import_clinic_data KIND FILE.csv [--source S] [--dry-run] [--mapping FILE]`:
the admin's import from the command line, for files a browser should not carry."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from imports import columns, reading, runs
from imports.models import Kind


class Command(BaseCommand):
    help = "Import clients, future appointments or balances from another system's CSV export."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in Kind])
        parser.add_argument("file")
        parser.add_argument("--source", default="clinic", choices=columns.SOURCES)
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen.")
        parser.add_argument("--mapping", help="A JSON file: {field: their column name}.")
        parser.add_argument("--as", dest="username", help="The manager the run is recorded for.")
        parser.add_argument("--report", help="Write the refused rows to this CSV file.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        size = path.stat().st_size
        if size > reading.max_bytes():  # refused before it is read
            raise CommandError(reading.too_large_message(size))
        user = self._user(options["username"])
        if options["kind"] == Kind.APPOINTMENTS and user is None:
            raise CommandError(
                "Name the manager the appointments are booked by: --as USERNAME (each booking's "
                "history says who made it)."
            )
        mapping = None
        if options["mapping"]:
            try:
                mapping = Path(options["mapping"]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"The mapping file cannot be read: {error}") from None
        try:
            run = runs.import_run(
                kind=options["kind"], source=options["source"], data=path.read_bytes(),
                by=user, dry_run=options["dry_run"],
                mapping_text=mapping, filename=path.name,
            )  # fmt: skip
        except (reading.ImportFileError, columns.MappingError) as error:
            raise CommandError(str(error)) from None
        self._summary(run)
        if options["report"] and run.refused:
            Path(options["report"]).write_text(runs.refused_report(run), encoding="utf-8")

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _summary(self, run) -> None:
        c = run.counts
        verb = "would create" if run.dry_run else "created"
        self.stdout.write(
            f"{run.get_kind_display()} from {run.source}: {c['rows']} rows; {verb} "
            f"{c['created']} ({c['merge_offered']} offered for merge), {c['unchanged']} "
            f"already imported, {c['refused']} refused."
        )
        for refused in run.refused:
            self.stdout.write(f"  line {refused['row']}: {refused['reason']}")
