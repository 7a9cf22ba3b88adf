"""`manage.py backup`: one encrypted archive of the database and the private folders."""

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write one GPG-encrypted archive of the database and the private folders (clearance "
        "letters and other sealed files) into BACKUP_DIR. Schedule it daily (docs/backups.md)."
    )

    def handle(self, *args, **options):
        try:
            path = write_backup()
        except BackupError as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(path)
