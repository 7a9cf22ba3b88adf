import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Appointment, Room, Service
from therapists.models import Credential, CredentialKind, Therapist

pytestmark = pytest.mark.django_db


def _counts():
    return (Therapist.objects.count(), Appointment.objects.count(), Credential.objects.count())


def test_seed_demo_builds_the_demo_clinic_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first[0] == 6 and first[1] > 50
    assert set(Service.objects.values_list("slug", flat=True)) == {
        "bar-60", "bar-90", "floor-60", "floor-90",
    }  # fmt: skip
    assert Room.objects.filter(styles__slug="bar").exists()
    assert Room.objects.filter(styles__slug="floor").exists()
    output = capsys.readouterr().out
    assert "manager" in output and "frontdesk" in output and "ashiatsu-demo" in output


def test_seed_demo_has_a_floor_only_therapist_and_a_bar_certificate_expiring_soon():
    call_command("seed_demo")
    bar_certified = Credential.objects.filter(kind=CredentialKind.BAR_CERTIFICATION)
    assert Therapist.objects.exclude(credentials__in=bar_certified).count() == 1
    soon = timezone.localdate() + dt.timedelta(days=30)
    assert bar_certified.filter(expires_on__lte=soon).count() == 1


def test_seed_demo_scales_to_twenty_therapists_without_overlaps():
    call_command("seed_demo", therapists=20)
    assert Therapist.objects.count() == 20
    active = list(Appointment.objects.active())
    for key in ("therapist_id", "room_id"):
        by_owner: dict[int, list] = {}
        for appointment in active:
            by_owner.setdefault(getattr(appointment, key), []).append(appointment)
        for appointments in by_owner.values():
            appointments.sort(key=lambda a: a.start)
            for earlier, later in zip(appointments, appointments[1:], strict=False):
                assert earlier.occupied_until <= later.start
