"""The clinic's own forms: questions a manager writes, attached to services, answered by clients.

The safety questionnaire stays in code (`health.questionnaires`): its rules decide
bookings. These forms decide nothing; they collect what a clinic wants on record (a waiver
with its own wording, an allergy form, a form per service).

- A `Form` and its `Question`s are the manager's draft, edited in the admin.
- A `FormVersion` is what clients answer: the form's title, text and questions frozen as
  data when the manager saves a change (`clinic_forms.versions.version_publish`). A version
  is never changed once written, so every `FormResponse` shows with the questions and the
  exact text its client saw.
- A `FormAttachment` says which service asks for the form, and how often (every booking,
  the first visit only, yearly).
- A `FormResponse` is one client's answers to one version, on the client record (encrypted
  at rest); a form with a signature question is a signed form: the typed name, the date,
  the signature and a SHA-256 of the content, with a sealed PDF copy (`clinic_forms.signing`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bookings.models import Appointment, Service
from clients.models import Client
from core.encrypted_fields import EncryptedJSONField, EncryptedTextField

TEXT_MAX_LENGTH = 20_000
ANSWER_MAX_LENGTH = 2000


class QuestionKind(models.TextChoices):
    TEXT = "text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    CHOICE = "choice", "One choice"
    CHOICES = "choices", "Several choices"
    YES_NO = "yes_no", "Yes / no"
    DATE = "date", "Date"
    SIGNATURE = "signature", "Signature"


CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.CHOICES)


class Frequency(models.TextChoices):
    EVERY = "every", "Every booking"
    FIRST = "first", "First visit only"
    YEARLY = "yearly", "Once a year"


class AskWhen(models.TextChoices):
    BOOKING = "booking", "In the booking flow"
    BEFORE_VISIT = "before_visit", "Before the visit (a link in the confirmation)"


class Form(models.Model):
    """A form as the manager is writing it. Clients answer its latest `FormVersion`."""

    name = models.CharField(max_length=120, help_text="For staff, e.g. 'Waiver' or 'Allergies'.")
    title_en = models.CharField("Title (English)", max_length=160)
    title_es = models.CharField("Title (Spanish)", max_length=160, blank=True)
    text_en = models.TextField(
        "Text (English)",
        blank=True,
        max_length=TEXT_MAX_LENGTH,
        help_text="Shown above the questions. On a signed form this is the exact text signed.",
    )
    text_es = models.TextField("Text (Spanish)", blank=True, max_length=TEXT_MAX_LENGTH)
    ask_when = models.CharField(max_length=20, choices=AskWhen.choices, default=AskWhen.BOOKING)
    holds_health_data = models.BooleanField(
        default=False,
        help_text="Answers are then read under the health-data rules (manager, treating "
        "therapist), every read logged.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question of the manager's draft; frozen into each version as it stood."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    label_en = models.CharField("Question (English)", max_length=300)
    label_es = models.CharField("Question (Spanish)", max_length=300, blank=True)
    choices_en = models.TextField(
        "Choices (English)", blank=True, help_text="One choice a line (choice questions only)."
    )
    choices_es = models.TextField(
        "Choices (Spanish)", blank=True, help_text="The same choices in the same order."
    )
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["form", "position", "id"]

    def __str__(self) -> str:
        return self.label_en


class FormVersion(models.Model):
    """A published form: title, text and questions as data. Written once, never changed."""

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField(help_text="Title, text and questions in both languages.")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="formversion_one_number")
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"

    @property
    def is_signed(self) -> bool:
        return any(q["kind"] == QuestionKind.SIGNATURE for q in self.content["questions"])


class FormAttachment(models.Model):
    """A service asks for a form: at every booking, the first visit only, or yearly."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="attachments")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "service"], name="formattachment_once")
        ]

    def __str__(self) -> str:
        return f"{self.form} for {self.service} ({self.get_frequency_display()})"


class FormResponse(models.Model):
    """One client's answers to one version of a form, kept on the client record."""

    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="responses")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="form_responses")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8)
    answers = EncryptedJSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now_add=True)
    # A signed form: who typed their name, on which day, and what proves the content.
    signed_name = EncryptedTextField(blank=True, max_length=200)
    signed_on = models.DateField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    pdf_file = models.CharField(max_length=100, blank=True, help_text="Sealed, private.")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True) | ~Q(content_sha256=""),
                name="formresponse_signed_has_hash",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} answered by client {self.client_id}"


class FormResponseAccess(models.Model):
    """Every read of answers to a health-data form: who, when, from where."""

    response = models.ForeignKey(FormResponse, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    where = models.CharField(max_length=100)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "form response accesses"

    def __str__(self) -> str:
        return f"{self.user} read response {self.response_id} ({self.where})"
