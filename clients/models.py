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
    # The fuller profile (clients/profile.py says who sees which part).
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True, max_length=500)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    preferred_name = models.CharField(
        max_length=100, blank=True, help_text="The name the client goes by, if not their own."
    )
    pronouns = models.CharField(max_length=40, blank=True, help_text="For example she/her.")
    staff_alerts = models.TextField(
        "staff-only alerts",
        blank=True,
        max_length=1000,
        help_text="One per line, e.g. \u201cprefers a female therapist\u201d, \u201carrives "
        "early\u201d. Shown on the day schedule and to the session's therapist; never to the "
        "client.",
    )
    consent_service_messages = models.BooleanField(
        "consents to service messages",
        default=True,
        help_text="Confirmations, reminders and \u201chas anything changed?\u201d about their "
        "bookings.",
    )
    consent_news = models.BooleanField(
        "consents to news",
        default=False,
        help_text="Offers and newsletters; never assumed.",
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
