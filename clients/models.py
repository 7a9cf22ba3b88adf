"""The client record: one row per person who books, and the audit of records merged.

The tables kept the names they had when the record lived in `bookings` (`db_table`), so
moving the models here moved no data.
"""

from django.conf import settings
from django.db import models

from clients.validators import validate_person_name


class Client(models.Model):
    """A person who books. Every booking made signed out writes a new, unverified row; the
    clinic (or the client, through the e-mail sign-in link) confirms one record per person
    and merges the others into it (bookings/clients.py)."""

    class ConfirmedBy(models.TextChoices):
        CLINIC = "clinic", "The clinic checked the client's identity"
        EMAIL_LINK = "email_link", "The client opened a sign-in link sent to this address"

    name = models.CharField(max_length=200, validators=[validate_person_name])
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the record was verified."
    )
    confirmed_by = models.CharField(
        max_length=20, choices=ConfirmedBy.choices, blank=True, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        help_text="This row was the same person as that record; its bookings moved there.",
    )

    class Meta:
        db_table = "bookings_client"  # the table it had in bookings
        ordering = ["name"]
        indexes = [models.Index(fields=["email"])]
        permissions = [("merge_client", "Can merge two client records of the same person")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ClientMerge(models.Model):
    """The audit row of one merge: which record was folded into which, by whom, when."""

    kept = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges_folded")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the client's own sign-in link joined the records.",
    )
    at = models.DateTimeField(auto_now_add=True)
    appointments_moved = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "bookings_clientmerge"  # the table it had in bookings
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Client {self.merged_id} merged into {self.kept_id}"
