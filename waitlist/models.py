"""The waitlist: clients who found no suitable slot, and the slots offered to them.

An entry is a client waiting for a service in a date range, with one therapist or any. It
waits only once its e-mail address is confirmed through a link sent to it (`pending` until
then), so nobody can hold the calendar, or have the clinic mail strangers, with made-up
addresses. When a matching slot frees up, the entry first in line gets an *offer*: the slot
is held for that client alone for a short while (`WAITLIST_OFFER_HOLD_MINUTES`); an offer
that is declined or not accepted in time passes to the next entry, and the entry goes to the
back of the line. While an offer is open it
counts as busy time for its therapist and room in `bookings.schedules.load_window`, so
nobody else can book the slot; its holder books it through `bookings.services.booking_create`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from bookings.models import Appointment, Room, Service
from clients.validators import validate_person_name
from core import tokens
from core.encrypted_fields import EncryptedJSONField
from health import screening
from therapists.models import Therapist


def hash_token(token: str) -> str:
    return tokens.token_hash(token)


class EntryStatus(models.TextChoices):
    PENDING = "pending", "Awaiting e-mail confirmation"
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Slot offered"
    BOOKED = "booked", "Booked"
    LEFT = "left", "Removed"
    ENDED = "ended", "Date range passed"
    LAPSED = "lapsed", "Not confirmed in time"
    UNANSWERED = "unanswered", "Offers not answered"


# Entries that still count for the client: against the caps, for erasure.
OPEN_ENTRY_STATUSES = (EntryStatus.PENDING, EntryStatus.WAITING, EntryStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A client waiting for `service` between `first_day` and `last_day` (clinic dates).

    The intake answers are kept (screened when joining, screened again when an offer is
    accepted) so accepting an offer is one click.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        Therapist,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any qualified therapist.",
    )
    first_day = models.DateField()
    last_day = models.DateField()
    name = models.CharField(max_length=200, validators=[validate_person_name])
    email = models.EmailField()
    phone = models.CharField(max_length=40)
    answers = EncryptedJSONField()  # health answers: encrypted at rest
    # The questionnaire the answers were given under: an entry from before version 3 is
    # still booked by its own rules when an offer comes (`health.screening`).
    questionnaire_version = models.PositiveSmallIntegerField(default=screening.current_version)
    # The language the client joined in: the confirmation and every later offer use it.
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language the client joined in; their e-mails are written in it.",
    )
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    confirm_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the client confirmed the e-mail address."
    )
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Place in line: set on confirming, moved to the back when an offer lapses "
        "or is declined.",
    )
    unanswered_offers = models.PositiveSmallIntegerField(default=0, editable=False)
    client_address = models.GenericIPAddressField(
        null=True, blank=True, editable=False, help_text="Where the join came from (caps)."
    )

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(fields=["status", "joined_at"]),
            models.Index(Upper("email"), name="waitlist_entry_email_ci"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="waitlist_range_not_reversed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.service} {self.first_day:%Y-%m-%d}–{self.last_day:%Y-%m-%d}"

    def set_confirm_token(self) -> str:
        """A fresh random token for the confirmation link; only its hash is stored."""
        token = tokens.token_new()
        self.confirm_token_hash = tokens.token_hash(token)
        return token

    def confirm_token_matches(self, token: str) -> bool:
        return tokens.token_matches(self.confirm_token_hash, token)


class OfferStatus(models.TextChoices):
    OPEN = "open", "Open (slot held)"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistOffer(models.Model):
    """A slot offered to one entry and held for it until `expires_at`."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    occupied_until = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    token_hash = models.CharField(max_length=64, editable=False)
    offered_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-offered_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            # An entry has at most one open offer at a time.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="waitlist_one_open_offer"
            )
        ]

    def __str__(self) -> str:
        return f"Offer of {self.start:%Y-%m-%d %H:%M} to {self.entry.name}"

    def set_token(self) -> str:
        token = tokens.token_new()
        self.token_hash = tokens.token_hash(token)
        return token

    def token_matches(self, token: str) -> bool:
        return tokens.token_matches(self.token_hash, token)
