"""factory_boy factories for the clinic's models; sensible, valid defaults."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Room, Service, Style, hash_manage_token
from clients.models import Client
from health import questionnaires, screening
from health.models import Intake
from therapists.models import Credential, CredentialKind, Therapist, WorkingHours


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class StyleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Style
        django_get_or_create = ["slug"]

    slug = Style.BAR
    name = factory.LazyAttribute(lambda s: f"{s.slug.title()} Ashiatsu")
    required_credential = factory.LazyAttribute(
        lambda s: (
            CredentialKind.BAR_CERTIFICATION
            if s.slug == Style.BAR
            else CredentialKind.FLOOR_CERTIFICATION
        )
    )


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["slug"]

    style = factory.SubFactory(StyleFactory)
    duration_minutes = 60
    slug = factory.LazyAttribute(lambda s: f"{s.style.slug}-{s.duration_minutes}")
    name = factory.LazyAttribute(lambda s: f"{s.style.name}, {s.duration_minutes} minutes")
    price = Decimal("120.00")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Room {n}")
    slug = factory.Sequence(lambda n: f"room-{n}")

    @factory.post_generation
    def styles(self, create, extracted, **kwargs):
        if create:
            self.styles.set(extracted if extracted is not None else [StyleFactory()])


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    display_name = factory.Sequence(lambda n: f"Therapist {n}")
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..slug"))


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    therapist = factory.SubFactory(TherapistFactory)
    kind = CredentialKind.BAR_CERTIFICATION
    issuer = "Ashiatsu Guild"
    number = factory.Sequence(lambda n: f"CERT-{n}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    verified_at = factory.LazyFunction(timezone.now)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    start = dt.time(9)
    end = dt.time(17)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone = "+1 212 555 0100"


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    questionnaire_version = questionnaires.QUESTIONNAIRE_VERSION
    answers = factory.LazyFunction(screening.clear_answers)
    outcome = questionnaires.CLEAR
    reasons = factory.LazyFunction(list)
    effective_pressure = "medium"


def _next_round_hour() -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SubFactory(TherapistFactory)
    service = factory.SubFactory(ServiceFactory)
    room = factory.SubFactory(RoomFactory)
    intake = factory.SubFactory(IntakeFactory)
    start = factory.LazyFunction(_next_round_hour)
    end = factory.LazyAttribute(
        lambda a: a.start + dt.timedelta(minutes=a.service.duration_minutes)
    )
    occupied_until = factory.LazyAttribute(
        lambda a: a.end + dt.timedelta(minutes=a.therapist.buffer_minutes)
    )
    status = AppointmentStatus.CONFIRMED
    manage_token_hash = factory.LazyFunction(lambda: hash_manage_token("factory-token"))
    # A settled booking its client stands behind (bookings/clients.py); tests of bookings
    # nobody proved pass proven_by="" (and the real booking pages make them so).
    proven_by = "mailbox"
    proven_at = factory.LazyFunction(timezone.now)


class ChartNoteFactory(factory.django.DjangoModelFactory):
    """A draft SOAP note; pass `signed_at=...` (and `signed_by`) for a signed one."""

    class Meta:
        model = "charts.ChartNote"

    appointment = factory.SubFactory(AppointmentFactory)
    author = factory.LazyAttribute(lambda n: n.appointment.therapist.user)
    subjective = "Stiff after a long flight."
    objective = "Tight erectors, left more than right."
    assessment = "Responded well to long two-foot strokes."
    plan = "Medium pressure again; more time on the left lower back."
    pressure_used = "medium"


class RegionEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "charts.RegionEntry"

    note = factory.SubFactory(ChartNoteFactory)
    region = "lower_back_left"
    technique = "two_foot"
    pressure = "medium"
    client_response = "Relaxed, asked for more"


class ClearanceFactory(factory.django.DjangoModelFactory):
    """A clearance on record (no letter) covering every condition, valid for a year from
    yesterday; pass `client=` (and `scope`, `valid_until`, `conditions`) as needed."""

    class Meta:
        model = "health.Clearance"

    client = factory.SubFactory(ClientFactory)
    cleared_by_name = "Dr Lee"
    cleared_by_role = "physician"
    cleared_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    valid_until = factory.LazyAttribute(lambda c: c.cleared_on + dt.timedelta(days=365))
    scope = "full"
    conditions = factory.LazyFunction(
        lambda: [
            "spinal_surgery",
            "disc_condition",
            "back_pain_now",
            "blood_thinners",
            "blood_pressure",
            "implant",
        ]
    )
