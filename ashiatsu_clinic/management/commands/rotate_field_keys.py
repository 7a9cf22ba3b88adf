"""`manage.py rotate_field_keys`: re-encrypt the health-data columns with the newest key.

Put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart, run this;
when `--check` reports nothing left under an older key, remove the old keys
(docs/encryption.md). Batched, resumable and idempotent (core/key_rotation.py).
"""

from django.core.management.base import BaseCommand, CommandError

from core import key_rotation
from core.field_keys import FieldDecryptionError, generate_key


class Command(BaseCommand):
    help = "Re-encrypt every encrypted health-data value with the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=key_rotation.DEFAULT_BATCH, metavar="ROWS"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count values still under an older key; exit 1 if there are any.",
        )
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new random key and exit."
        )

    def handle(self, *args, batch_size: int, check: bool, new_key: bool, **options):
        if new_key:
            self.stdout.write(generate_key())
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if check:
            stale = {label: n for label, n in key_rotation.stale_counts().items() if n}
            for label, count in stale.items():
                self.stdout.write(f"{label}: {count} under an older key")
            if stale:
                raise CommandError("Some values are still under an older key: run without --check.")
            self.stdout.write("Every value is under the newest key; older keys can be removed.")
            return
        try:
            counts = key_rotation.reencrypt_all(batch_size=batch_size)
        except FieldDecryptionError as error:
            raise CommandError(f"{error} Put that key back in FIELD_ENCRYPTION_KEYS.") from error
        for label, count in counts.items():
            if count:
                self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(f"Done: {sum(counts.values())} values re-encrypted with the newest key.")
