"""Full health answers: only a manager and the client's own therapist, and every read logged."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from bookings.models import IntakeAccess
from bookings.privacy import (
    client_erase,
    client_export,
    may_read_full_intake,
    purge_old_intake_answers,
    read_intake_answers,
)
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


class TestClientRights:
    @pytest.fixture
    def history(self):
        """One client with a completed session (notes, history) and an upcoming one."""
        from bookings.models import AppointmentEvent, SessionNote
        from bookings.screening import clear_answers
        from tests.factories import ClientFactory, IntakeFactory

        client = ClientFactory(email="Ada@Example.com", name="Ada Lovelace", phone="+1 555 0101")
        past = AppointmentFactory(
            client=client,
            intake=IntakeFactory(answers=clear_answers(other_conditions="SECRET knee surgery")),
        )
        SessionNote.objects.create(
            appointment=past, work_done="Avoided the knee", pressure_used="light"
        )
        AppointmentEvent.objects.create(
            appointment=past, kind="cancelled", details={"reason": "SECRET knee pain"}
        )
        other = AppointmentFactory()  # someone else's
        return client, past, other

    def test_a_manager_exports_everything_about_the_client_and_the_read_is_logged(self, history):
        client, past, other = history
        manager = _member("Clinic manager")
        data = client_export(email="ada@example.com", user=manager)
        assert data["clients"][0]["name"] == "Ada Lovelace"
        (appointment,) = data["appointments"]
        assert appointment["reference"] == past.reference
        assert appointment["intake"]["answers"]["other_conditions"] == "SECRET knee surgery"
        assert appointment["session_notes"][0]["work_done"] == "Avoided the knee"
        assert IntakeAccess.objects.filter(user=manager, where="client data export").count() == 1
        import json

        json.dumps(data)  # JSON-ready

    def test_erasure_removes_personal_and_health_data_but_keeps_the_schedule(self, history):
        from bookings.models import Appointment, AppointmentEvent, SessionNote

        client, past, other = history
        assert client_erase(email="ADA@example.com", user=_member("Clinic manager")) == 1
        client.refresh_from_db()
        past.refresh_from_db()
        assert client.name == "Erased client" and client.phone == ""
        assert "example.com" not in client.email.replace("invalid.example", "")
        assert past.intake.answers == {} and past.intake.reasons == []
        assert not SessionNote.objects.filter(appointment=past).exists()
        assert not AppointmentEvent.objects.filter(appointment=past).exclude(details={}).exists()
        assert Appointment.objects.filter(pk=past.pk).exists()  # the slot history stays
        other.intake.refresh_from_db()
        assert other.intake.answers != {}

    @pytest.mark.parametrize("role", ["Front desk", None])
    def test_only_a_manager_may_export_or_erase(self, history, role):
        user = _member(role) if role else TherapistFactory().user
        with pytest.raises(PermissionDenied):
            client_export(email="ada@example.com", user=user)
        with pytest.raises(PermissionDenied):
            client_erase(email="ada@example.com", user=user)

    def test_retention_blanks_old_answers_only(self, history):
        import datetime as dt

        from django.utils import timezone

        client, past, other = history
        old = AppointmentFactory(start=timezone.now() - dt.timedelta(days=365 * 8))
        assert purge_old_intake_answers(years=7) == 1
        old.intake.refresh_from_db()
        past.intake.refresh_from_db()
        assert old.intake.answers == {} and old.intake.outcome == "clear"
        assert past.intake.answers != {}
