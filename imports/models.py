"""What an import leaves behind: the run (counts and refused rows), which source id became
which record (so a re-run creates nothing twice), and the merges it offers."""

from django.conf import settings
from django.db import models

from clients.models import Client


class Kind(models.TextChoices):
    CLIENTS = "clients", "Clients"
    APPOINTMENTS = "appointments", "Future appointments"
    PACKAGES = "packages", "Package balances"
    GIFT_CARDS = "gift_cards", "Gift-card balances"


class ImportRun(models.Model):
    """One import of one file, real or dry. `refused` keeps each refused row's number,
    reason and cells for the downloadable report; erasing a client scrubs their rows."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=40, help_text="The system the file came from.")
    filename = models.CharField(max_length=200, blank=True)
    dry_run = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)
    refused = models.JSONField(default=list)

    class Meta:
        ordering = ["-at"]
        permissions = [("run_import", "Can import clients, appointments and balances")]

    def __str__(self) -> str:
        how = "dry run" if self.dry_run else "import"
        return f"{self.get_kind_display()} from {self.source} ({how}, {self.at:%Y-%m-%d %H:%M})"


class SourceRecord(models.Model):
    """The record a source system's id became here: the key that makes a re-run idempotent."""

    source = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="import_source_id_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} → {self.object_id}"


class MergeOffer(models.Model):
    """An imported client who looks like a record already here (same e-mail, case ignored,
    or same phone number): offered to staff for merging, never merged by the import."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Offered"
        MERGED = "merged", "Merged"
        KEPT_APART = "kept_apart", "Kept apart (different people)"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="merge_offers")
    imported = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    existing = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    matched_on = models.CharField(max_length=40)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.imported} may be {self.existing} (same {self.matched_on})"
