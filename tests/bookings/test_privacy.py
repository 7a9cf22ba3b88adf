"""Full health answers: only a manager and the client's own therapist, and every read logged."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from bookings.models import IntakeAccess
from bookings.privacy import may_read_full_intake, read_intake_answers
from tests.factories import AppointmentFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment():
    return AppointmentFactory()


def _member(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_the_manager_and_the_own_therapist_may_read_and_each_read_is_logged(appointment):
    manager = _member("Clinic manager")
    for user in (manager, appointment.therapist.user):
        answers = read_intake_answers(appointment=appointment, user=user, where="test")
        assert answers["pressure"] == "medium"
    logged = IntakeAccess.objects.filter(intake=appointment.intake)
    assert {a.user for a in logged} == {manager, appointment.therapist.user}


@pytest.mark.parametrize("who", ["front desk", "other therapist", "anonymous", "plain user"])
def test_everyone_else_is_refused_and_nothing_is_logged(appointment, who):
    user = {
        "front desk": lambda: _member("Front desk"),
        "other therapist": lambda: TherapistFactory().user,
        "anonymous": AnonymousUser,
        "plain user": UserFactory,
    }[who]()
    assert not may_read_full_intake(user, appointment)
    with pytest.raises(PermissionDenied):
        read_intake_answers(appointment=appointment, user=user, where="test")
    assert not IntakeAccess.objects.exists()
