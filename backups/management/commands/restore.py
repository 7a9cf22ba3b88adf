"""`manage.py restore FILE`: a backup back into an empty database and empty folders."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into the (empty) database that "
        "DATABASE_URL names and the (empty) private folders. The backup key's private half "
        "must be in this machine's GPG keyring; its passphrase is read from "
        "BACKUP_GPG_PASSPHRASE."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the .tar.gpg file to restore")

    def handle(self, *args, archive: Path, **options):
        try:
            restored = restore_backup(
                archive, passphrase=os.environ.get("BACKUP_GPG_PASSPHRASE") or None
            )
        except BackupError as refused:
            raise CommandError(str(refused)) from refused
        files = ", ".join(f"{count} {label}" for label, count in restored.files.items())
        self.stdout.write(f"Restored {restored.tables} tables and files: {files or 'none'}.")
