"""The one credential rule (`therapists.qualifications`): licence and certification in force
on the day, as plain data and from the database."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CredentialFactory, TherapistFactory
from therapists.models import CredentialKind
from therapists.qualifications import (
    CredentialSpan,
    expiring_credentials,
    licensed_on,
    qualifies,
    spans_by_therapist,
    styles_on,
)

DAY = dt.date(2026, 6, 10)
LICENCE = CredentialSpan(CredentialKind.MASSAGE_LICENCE, dt.date(2020, 1, 1), None)
BAR = CredentialSpan(CredentialKind.BAR_CERTIFICATION, dt.date(2020, 1, 1), DAY)
STYLES = {"floor": CredentialKind.FLOOR_CERTIFICATION, "bar": CredentialKind.BAR_CERTIFICATION}


def test_a_style_needs_its_certification_and_a_licence_on_the_day():
    assert qualifies([LICENCE, BAR], CredentialKind.BAR_CERTIFICATION, DAY)
    assert not qualifies([BAR], CredentialKind.BAR_CERTIFICATION, DAY)
    assert not qualifies([LICENCE], CredentialKind.BAR_CERTIFICATION, DAY)


def test_a_credential_counts_up_to_and_including_its_expiry_date():
    assert qualifies([LICENCE, BAR], CredentialKind.BAR_CERTIFICATION, DAY)
    assert not qualifies(
        [LICENCE, BAR], CredentialKind.BAR_CERTIFICATION, DAY + dt.timedelta(days=1)
    )


def test_styles_on_a_date_keep_the_callers_order():
    floor = CredentialSpan(CredentialKind.FLOOR_CERTIFICATION, dt.date(2020, 1, 1), None)
    assert styles_on([LICENCE, BAR, floor], DAY, STYLES) == ["floor", "bar"]
    assert styles_on([LICENCE, BAR, floor], DAY + dt.timedelta(days=1), STYLES) == ["floor"]
    assert styles_on([BAR, floor], DAY, STYLES) == []
    assert licensed_on([LICENCE], DAY) and not licensed_on([BAR], DAY)


@pytest.mark.django_db
def test_only_verified_credentials_in_force_count_from_the_database():
    therapist = TherapistFactory()
    CredentialFactory(therapist=therapist, kind=CredentialKind.MASSAGE_LICENCE)
    CredentialFactory(therapist=therapist, kind=CredentialKind.BAR_CERTIFICATION, verified_at=None)
    today = timezone.localdate()
    spans = spans_by_therapist([therapist.pk], today)[therapist.pk]
    assert [s.kind for s in spans] == [CredentialKind.MASSAGE_LICENCE]
    assert styles_on(spans, today, STYLES) == []


@pytest.mark.django_db
def test_expiring_credentials_come_with_their_renewal():
    therapist = TherapistFactory()
    today = timezone.localdate()
    lapsing = CredentialFactory(
        therapist=therapist,
        kind=CredentialKind.BAR_CERTIFICATION,
        expires_on=today + dt.timedelta(days=10),
    )
    renewal = CredentialFactory(
        therapist=therapist,
        kind=CredentialKind.BAR_CERTIFICATION,
        issued_on=today,
        expires_on=today + dt.timedelta(days=400),
    )
    (row,) = expiring_credentials(today=today, days=30)
    assert (row.credential, row.renewal) == (lapsing, renewal)
