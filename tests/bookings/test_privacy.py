"""Full health answers: only a manager and the client's own therapist, and every read logged."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from bookings.privacy import (
    client_erase,
    client_export,
    may_read_full_intake,
    purge_old_intake_answers,
    read_intake_answers,
)
from health.models import IntakeAccess
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
        from health.screening import clear_answers
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


class TestNothingLeftBehind:
    """Issue #11 item 7: erasure and retention also reach the admin log, the outbox, the
    session notes and the contact details."""

    @pytest.fixture
    def ada_and_her_session(self):
        from health.screening import clear_answers
        from tests.factories import ClientFactory, IntakeFactory

        client = ClientFactory(email="Ada@Example.com", name="Ada Lovelace", phone="+1 555 0101")
        appointment = AppointmentFactory(
            client=client,
            intake=IntakeFactory(answers=clear_answers(other_conditions="SECRET knee")),
        )
        return client, appointment

    def _log(self, obj, user):
        from django.contrib.admin.models import CHANGE, LogEntry
        from django.contrib.contenttypes.models import ContentType

        return LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
            change_message="Moved for Ada Lovelace",
        )

    def test_erasure_blanks_the_admin_log_of_the_clients_records(self, ada_and_her_session):
        client, appointment = ada_and_her_session
        manager = _member("Clinic manager")
        logs = [self._log(appointment, manager), self._log(client, manager)]
        someone_else = self._log(AppointmentFactory(), manager)
        assert "Ada Lovelace" in logs[0].object_repr  # "REF · Ada Lovelace with ... at ..."
        client_erase(email="ada@example.com", user=manager)
        for log in logs:
            log.refresh_from_db()
            assert "Ada" not in log.object_repr and log.change_message == ""
        assert logs[0].object_repr == f"{appointment.reference} · Erased client"
        someone_else.refresh_from_db()
        assert someone_else.change_message == "Moved for Ada Lovelace"

    def test_erasure_blanks_the_outbox_rows_about_and_to_the_client(self, ada_and_her_session):
        from outbox.models import Email, EmailStatus

        client, appointment = ada_and_her_session
        sent = Email.objects.create(
            kind="confirmed",
            builder="x.y",
            params={"appointment": appointment.pk, "kind": "confirmed"},
            status=EmailStatus.SENT,
            recipients="ada@example.com",
            subject="Ada, your session is booked",
        )
        waiting = Email.objects.create(
            kind="reminder",
            builder="x.y",
            params={"appointment": appointment.pk},
            secret="a-manage-link-token",
        )
        to_address = Email.objects.create(
            kind="other", builder="x.y", status=EmailStatus.SENT, recipients="ADA@example.com"
        )
        not_hers = Email.objects.create(
            kind="other", builder="x.y", status=EmailStatus.SENT, recipients="bada@example.com"
        )
        client_erase(email="ada@example.com", user=_member("Clinic manager"))
        for email in (sent, waiting, to_address):
            email.refresh_from_db()
            assert (email.recipients, email.subject, email.secret) == ("", "", "")
        assert waiting.status == EmailStatus.MOOT  # never sent to an erased client
        assert waiting.reason == "Not sent: the person's data was erased."
        assert sent.status == EmailStatus.SENT  # the clinic still sees that a mail went out
        not_hers.refresh_from_db()
        assert not_hers.recipients == "bada@example.com"

    def test_retention_removes_old_notes_and_contact_details_and_keeps_recent_ones(
        self, ada_and_her_session
    ):
        import datetime as dt

        from django.utils import timezone

        from bookings.models import AppointmentEvent, SessionNote
        from bookings.privacy import retention_purge
        from clients.models import Client
        from tests.factories import ClientFactory

        recent_client, recent = ada_and_her_session
        now = timezone.now()
        eight_years_ago = now - dt.timedelta(days=365 * 8)
        old_client = ClientFactory(name="Old Timer", email="old@example.com", phone="+1 555 0199")
        Client.objects.filter(pk=old_client.pk).update(created_at=eight_years_ago)
        old = AppointmentFactory(client=old_client, start=eight_years_ago)
        for appointment in (old, recent):
            SessionNote.objects.create(
                appointment=appointment, work_done="SECRET note", pressure_used="light"
            )
            AppointmentEvent.objects.create(
                appointment=appointment, kind="cancelled", details={"reason": "SECRET pain"}
            )

        counts = retention_purge(years=7, now=now)

        assert counts == {
            "intakes": 1,
            "session notes": 1,
            "clearances": 0,
            "clients": 1,
            "waitlist entries": 0,
            "session charts": 0,
        }
        old_client.refresh_from_db()
        old.intake.refresh_from_db()
        assert (old_client.name, old_client.phone) == ("Erased client", "")
        assert "old@" not in old_client.email
        assert old.intake.answers == {} and old.intake.outcome == "clear"
        assert not SessionNote.objects.filter(appointment=old).exists()
        assert AppointmentEvent.objects.get(appointment=old).details == {}
        recent_client.refresh_from_db()
        assert recent_client.name == "Ada Lovelace"
        assert SessionNote.objects.filter(appointment=recent).exists()
        assert AppointmentEvent.objects.get(appointment=recent).details != {}
        # A second run finds nothing more to do.
        assert set(retention_purge(years=7, now=now).values()) == {0}

    def test_the_purge_command_runs_the_whole_retention_rule(self, ada_and_her_session):
        import datetime as dt
        import io

        from django.core.management import call_command
        from django.utils import timezone

        from bookings.models import SessionNote

        old = AppointmentFactory(start=timezone.now() - dt.timedelta(days=365 * 8))
        SessionNote.objects.create(appointment=old, work_done="SECRET", pressure_used="light")
        out = io.StringIO()
        call_command("purge_intakes", stdout=out)
        assert "1 intakes, 1 session notes" in out.getvalue()
        assert not SessionNote.objects.filter(appointment=old).exists()
