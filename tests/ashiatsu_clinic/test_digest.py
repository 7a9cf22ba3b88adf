"""The weekly e-mail to managers: expiring credentials and the sessions they affect."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from ashiatsu_clinic.digest import expiring_credentials, manager_digest_send_if_due
from bookings.roles import CLINIC_MANAGER
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.factories import (
    AppointmentFactory,
    CredentialFactory,
    ServiceFactory,
    StyleFactory,
    TherapistFactory,
    UserFactory,
)
from therapists.models import CredentialKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest_recipient():
    """A clinic manager with an e-mail address the digest can be checked against."""
    user = UserFactory(username="manager", email="manager@example.com")
    user.groups.add(Group.objects.get(name=CLINIC_MANAGER))
    return user


@pytest.fixture
def lapsing():
    """A bar therapist whose bar certification expires in 10 days, with sessions either side."""
    today = timezone.localdate()
    therapist = TherapistFactory(display_name="Aiko Tanaka")
    CredentialFactory(therapist=therapist, kind=CredentialKind.MASSAGE_LICENCE)
    credential = CredentialFactory(
        therapist=therapist,
        kind=CredentialKind.BAR_CERTIFICATION,
        number="BAR-77",
        expires_on=today + dt.timedelta(days=10),
    )
    bar = ServiceFactory(style=StyleFactory(slug="bar"))
    before = AppointmentFactory(therapist=therapist, service=bar, start=local_time(5, 10))
    after = AppointmentFactory(therapist=therapist, service=bar, start=local_time(15, 10))
    return credential, before, after


def next_monday(hour: int) -> dt.datetime:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())  # always ahead
    return dt.datetime.combine(monday, dt.time(hour), timezone.get_current_timezone())


def test_it_lists_sessions_after_the_expiry_without_a_renewal(lapsing):
    credential, before, after = lapsing
    (row,) = expiring_credentials(today=timezone.localdate(), days=30)
    assert row.credential == credential and row.appointments == [after]


def test_a_verified_renewal_means_no_session_is_affected(lapsing):
    credential, _, _ = lapsing
    CredentialFactory(
        therapist=credential.therapist,
        kind=CredentialKind.BAR_CERTIFICATION,
        issued_on=credential.expires_on,
        expires_on=credential.expires_on + dt.timedelta(days=730),
    )
    (row,) = expiring_credentials(today=timezone.localdate(), days=30)
    assert row.credential == credential and row.appointments == []


def test_managers_get_it_once_a_week_from_monday_morning(digest_recipient, lapsing):
    credential, _, after = lapsing
    assert manager_digest_send_if_due(now=next_monday(6)) == 0  # too early
    assert manager_digest_send_if_due(now=next_monday(8)) == 1
    assert manager_digest_send_if_due(now=next_monday(9)) == 0  # already this week
    emails_deliver_due(now=next_monday(8))
    (message,) = mail.outbox
    assert message.to == ["manager@example.com"]
    assert message.subject == "Credentials expiring in the next 30 days: 1, 1 session affected"
    for text in (message.body, message.alternatives[0][0]):
        assert "Aiko Tanaka" in text and "BAR-77" in text and after.reference in text
    assert manager_digest_send_if_due(now=next_monday(8) + dt.timedelta(days=7)) == 1


def test_with_nothing_expiring_it_says_so(digest_recipient):
    manager_digest_send_if_due(now=next_monday(8))
    emails_deliver_due(now=next_monday(8))
    (message,) = mail.outbox
    assert "None: every verified credential" in message.body
