"""The intake that stays true (issue #13): "has anything changed?" before every session,
re-screened by the booking's own rules; the desk's check-in confirmation; the therapist's
view of what changed; and the yearly / questionnaire-version rule."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from ashiatsu_clinic.sweep import clinic_sweep
from bookings import reconfirmation, signals
from bookings.booking_changes import booking_cancel
from bookings.models import AppointmentEvent, AppointmentStatus, Reminder, ReminderKind
from bookings.privacy import client_erase
from bookings.reconfirmation_links import reconfirmation_link_issue
from bookings.services import BookingError, ClientDetails, booking_create
from bookings.session_status import allowed_status_changes, appointment_set_status
from health import intake_currency, questionnaires
from health.models import Intake, IntakeAccess, IntakeRevision, ReconfirmationLink
from health.screening import clear_answers
from outbox.services import emails_deliver_due
from payments.services import is_late_cancellation
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import form_answers
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")
ASKED = "Has anything changed"


def book(clinic, start, *, client=ADA, **answers):
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=start,
        client=client,
        answers={**clear_answers(), **answers},
    ).appointment


def asked(outbox=None) -> list:
    return [m for m in (outbox or mail.outbox) if m.subject.startswith(ASKED)]


def link_url(token: str, change: bool = False) -> str:
    return reverse("bookings:reconfirm_change" if change else "bookings:reconfirm", args=[token])


def events(appointment, kind=AppointmentEvent.Kind.RECONFIRMED):
    return list(appointment.events.filter(kind=kind).order_by("at", "id"))


# --- The e-mail: scheduled by the reminder machinery, sent once by the sweep -------------


class TestTheEmail:
    def test_it_is_queued_exactly_once_two_days_before(self, clinic):
        appointment = book(clinic, local_time(6, 10))
        due = appointment.start - dt.timedelta(days=2)
        reminder = Reminder.objects.get(appointment=appointment, kind=ReminderKind.RECONFIRM)
        assert reminder.due_at == due
        with time_machine.travel(due - dt.timedelta(minutes=1), tick=False):
            mail.outbox.clear()
            clinic_sweep()
            assert asked() == [] and not ReconfirmationLink.objects.exists()
        with time_machine.travel(due, tick=False):
            mail.outbox.clear()
            clinic_sweep()
            (message,) = asked()
        assert message.to == ["ada@example.com"]
        token = re.search(r"/reconfirm/([\w-]+)/", message.body).group(1)
        assert ReconfirmationLink.objects.get().token_hash != token  # only the hash is kept
        for later in (due + dt.timedelta(minutes=5), due + dt.timedelta(hours=20)):
            with time_machine.travel(later, tick=False):
                mail.outbox.clear()
                clinic_sweep()
                assert asked() == []
        assert ReconfirmationLink.objects.count() == 1

    def test_the_lead_is_a_setting(self, clinic, settings):
        settings.RECONFIRM_DAYS_BEFORE = 4
        appointment = book(clinic, local_time(6, 10))
        reminder = Reminder.objects.get(kind=ReminderKind.RECONFIRM)
        assert reminder.due_at == appointment.start - dt.timedelta(days=4)

    def test_a_cancelled_session_is_not_asked(self, clinic):
        appointment = book(clinic, local_time(6, 10))
        booking_cancel(appointment=appointment)
        with time_machine.travel(appointment.start - dt.timedelta(days=2), tick=False):
            mail.outbox.clear()
            clinic_sweep()
            assert asked() == []
        assert not ReconfirmationLink.objects.exists()

    def test_a_session_cancelled_after_the_sweep_gets_no_mail(self, clinic):
        appointment = book(clinic, local_time(6, 10))
        due = appointment.start - dt.timedelta(days=2)
        from bookings.reminders import reminders_send_due

        assert reminders_send_due(now=due) == 1
        booking_cancel(appointment=appointment)
        mail.outbox.clear()
        emails_deliver_due(now=due)
        assert asked() == []

    def test_a_session_booked_less_than_two_days_ahead_is_not_asked(self, clinic):
        """Decision: skip. Its intake was answered at booking, as fresh as the question."""
        appointment = book(clinic, local_time(1, 15))
        assert not Reminder.objects.filter(kind=ReminderKind.RECONFIRM).exists()
        with time_machine.travel(appointment.start - dt.timedelta(hours=2), tick=False):
            mail.outbox.clear()
            clinic_sweep()
            assert asked() == []

    def test_a_moved_session_is_asked_for_its_new_time(self, clinic):
        from bookings.booking_changes import booking_reschedule

        # At 08:00, so tomorrow 11:00 is more than the day-before reminder's 24 hours away
        # whenever the suite runs (after 11:00 it was inside them, and the test failed).
        with time_machine.travel(local_time(0, 8), tick=False):
            appointment = book(clinic, local_time(6, 10))
            booking_reschedule(appointment=appointment, start=local_time(9, 11))
            reminder = Reminder.objects.get(kind=ReminderKind.RECONFIRM)
            assert reminder.due_at == local_time(9, 11) - dt.timedelta(days=2)
            booking_reschedule(appointment=appointment, start=local_time(1, 11))
            assert not Reminder.objects.filter(kind=ReminderKind.RECONFIRM).exists()
            assert Reminder.objects.filter(kind=ReminderKind.DAY_BEFORE).exists()

    def test_a_session_waiting_for_review_is_asked_too(self, clinic):
        appointment = book(clinic, local_time(6, 10), disc_condition=True)
        assert appointment.status == AppointmentStatus.PENDING_REVIEW
        with time_machine.travel(appointment.start - dt.timedelta(days=2), tick=False):
            mail.outbox.clear()
            clinic_sweep()
            assert len(asked()) == 1


# --- The link's page ---------------------------------------------------------------------


@pytest.fixture
def session(clinic):
    return book(clinic, local_time(6, 10), other_conditions="Stiff neck from cycling")


@pytest.fixture
def token(session):
    return reconfirmation_link_issue(appointment=session)


class TestTheLink:
    def test_the_page_shows_the_current_answers_as_a_logged_read(self, client, session, token):
        response = client.get(link_url(token))
        assert response.status_code == 200
        content = response.content.decode()
        assert "Stiff neck from cycling" in content and 'id="nothing-changed"' in content
        access = IntakeAccess.objects.get()
        assert access.intake_id == session.intake_id and access.user is None
        assert access.where == "re-confirmation link"
        assert not events(session)  # opening is not answering (mail scanners open links)

    def test_nothing_changed_is_one_tap_and_recorded(self, client, session, token):
        response = client.post(link_url(token))
        assert response.status_code == 302
        (event,) = events(session)
        assert event.actor is None and event.details == {"via": "client link", "changed": False}
        intake_before = session.intake_id
        session.refresh_from_db()
        assert session.intake_id == intake_before and not IntakeRevision.objects.exists()
        page = client.get(link_url(token)).content.decode()
        assert "Thank you: nothing changed" in page and 'id="last-confirmation"' in page

    def test_the_change_form_starts_from_the_current_answers(self, client, session, token):
        response = client.get(link_url(token, change=True))
        assert response.status_code == 200
        initial = response.context["form"].initial
        assert initial["other_conditions"] == "Stiff neck from cycling"
        assert initial["pregnancy"] == "no" and not initial.get("consent")

    def test_a_change_that_stays_clear_is_a_new_version_recorded(self, client, session, token):
        old_intake = session.intake
        posted = form_answers(pressure="deep", other_conditions="Stiff neck from cycling")
        response = client.post(link_url(token, change=True), posted)
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED
        assert session.intake_id != old_intake.pk and session.intake.answers["pressure"] == "deep"
        old_intake.refresh_from_db()
        assert old_intake.answers["pressure"] == "medium"  # never overwritten
        revision = IntakeRevision.objects.get()
        assert (revision.previous, revision.current) == (old_intake, session.intake)
        (event,) = events(session)
        assert event.details == {"via": "client link", "changed": True, "result": "recorded"}

    def test_the_same_answers_again_are_recorded_as_unchanged(self, client, session, token):
        posted = form_answers(other_conditions="Stiff neck from cycling")
        assert client.post(link_url(token, change=True), posted).status_code == 302
        assert not IntakeRevision.objects.exists()
        assert events(session)[0].details["changed"] is False

    def test_a_newly_declined_answer_cancels_without_a_fee_and_tells_everyone(
        self, client, session, token, settings, django_capture_on_commit_callbacks
    ):
        heard = []

        def listener(sender, appointment_id, late, **kwargs):
            heard.append((appointment_id, late))

        signals.appointment_cancelled.connect(listener, dispatch_uid="test-reconfirm")
        try:
            mail.outbox.clear()
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    link_url(token, change=True), form_answers(pregnancy="pregnant")
                )
        finally:
            signals.appointment_cancelled.disconnect(dispatch_uid="test-reconfirm")
        assert response.status_code == 200
        page = response.content.decode()
        assert "cancelled your session, for your safety" in page
        assert "not safe during pregnancy" in page and "Nothing is charged" in page
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CANCELLED
        assert session.intake.outcome == questionnaires.DECLINED
        assert heard == [(session.pk, False)]  # payments: refund in full, no late fee
        assert not is_late_cancellation(session)
        emails_deliver_due(now=timezone.now())
        to = {m.subject.split(" (")[0]: m.to for m in mail.outbox}
        assert to["Your Ashiatsu session is cancelled for your safety"] == ["ada@example.com"]
        assert to["Updated intake: session cancelled"] == [settings.CLINIC_EMAIL]
        staff = next(m for m in mail.outbox if m.to == [settings.CLINIC_EMAIL])
        assert "pregnan" not in staff.body.lower()  # outcome only, never the answers
        assert any(m.subject.startswith("Session cancelled") for m in mail.outbox)  # therapist
        assert events(session)[0].details["result"] == "cancelled"
        # The link is spent with the session: 410 from now on.
        assert client.get(link_url(token)).status_code == 410

    def test_a_late_declined_answer_is_still_not_a_late_cancellation(self, client, session, token):
        with time_machine.travel(session.start - dt.timedelta(hours=3)):
            response = client.post(link_url(token, change=True), form_answers(pregnancy="pregnant"))
        assert response.status_code == 200
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CANCELLED
        assert not is_late_cancellation(session)

    def test_a_new_clearance_need_sends_it_back_to_review_and_tells_staff(
        self, client, session, token, settings, manager
    ):
        mail.outbox.clear()
        response = client.post(link_url(token, change=True), form_answers(disc_condition=True))
        assert response.status_code == 200
        assert "A quick review before your session" in response.content.decode()
        session.refresh_from_db()
        assert session.status == AppointmentStatus.PENDING_REVIEW
        (status_event,) = events(session, AppointmentEvent.Kind.STATUS)
        assert status_event.details["old"] == "confirmed"
        assert status_event.details["new"] == "pending_review"
        emails_deliver_due(now=timezone.now())
        subjects = {m.subject.split(" (")[0]: m.to for m in mail.outbox}
        assert subjects["Updated intake: back to review"] == [settings.CLINIC_EMAIL]
        assert subjects["A quick review of your updated answers"] == ["ada@example.com"]
        client.force_login(manager)
        queue = client.get(reverse("admin:bookings_appointment_review")).content.decode()
        assert session.reference in queue

    def test_a_clearance_already_approved_for_the_same_reason_stays_confirmed(
        self, client, clinic, manager
    ):
        from bookings.intake_review import intake_approve
        from tests.factories import ClearanceFactory

        appointment = book(clinic, local_time(6, 10), disc_condition=True)
        ClearanceFactory(client=appointment.client)  # approving needs one on record
        intake_approve(appointment=appointment, actor=manager)
        token = reconfirmation_link_issue(appointment=appointment)
        posted = form_answers(disc_condition=True, pressure="light")
        assert client.post(link_url(token, change=True), posted).status_code == 302
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    def test_incomplete_answers_are_a_400_and_change_nothing(self, client, session, token):
        posted = form_answers()
        del posted["pregnancy"]
        response = client.post(link_url(token, change=True), posted)
        assert response.status_code == 400
        assert not IntakeRevision.objects.exists() and not events(session)

    def test_a_wrong_token_is_a_404_and_reads_nothing(self, client, session, token):
        for url in (link_url("x" * 43), link_url("x" * 43, change=True)):
            response = client.get(url)
            assert response.status_code == 404
            assert "This link is not valid" in response.content.decode()
        assert client.post(link_url("nope")).status_code == 404
        assert not IntakeAccess.objects.exists() and not events(session)

    def test_after_the_session_started_the_link_is_gone(self, client, session, token):
        assert client.post(link_url(token)).status_code == 302  # used once before: fine
        with time_machine.travel(session.start + dt.timedelta(minutes=1)):
            for response in (
                client.get(link_url(token)),
                client.post(link_url(token)),
                client.post(link_url(token, change=True), form_answers(pregnancy="pregnant")),
            ):
                assert response.status_code == 410
                assert "works until your session starts" in response.content.decode()
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED and len(events(session)) == 1

    def test_a_cancelled_session_link_is_gone(self, client, session, token):
        booking_cancel(appointment=session)
        response = client.get(link_url(token))
        assert response.status_code == 410 and "cancelled" in response.content.decode()

    def test_one_clients_link_reads_only_their_own_session(self, client, clinic, session, token):
        other = book(
            clinic,
            local_time(7, 10),
            client=ClientDetails(name="Bo", email="bo@example.com", phone="+1 212 555 0100"),
            other_conditions="Bo's private condition",
        )
        page = client.get(link_url(token)).content.decode()
        assert "Bo's private condition" not in page
        assert set(IntakeAccess.objects.values_list("intake_id", flat=True)) == {session.intake_id}
        with pytest.raises(PermissionDenied):
            from bookings.privacy import read_own_intake_answers

            read_own_intake_answers(appointment=other, client=session.client, where="test")


# --- At check-in: the front desk --------------------------------------------------------


@pytest.fixture
def today_session(clinic):
    now = timezone.now()
    start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    if timezone.localtime(start).date() != timezone.localdate(now):
        pytest.skip("too close to midnight for a same-day session")
    return AppointmentFactory(
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=start,
        intake=IntakeFactory(answers=clear_answers(other_conditions="Desk must not see this")),
    )


def admin_url(appointment, name="change"):
    return reverse(f"admin:bookings_appointment_{name}", args=[appointment.pk])


class TestAtTheDesk:
    def test_the_front_desk_records_it_without_seeing_any_answer(
        self, client, front_desk, today_session
    ):
        client.force_login(front_desk)
        page = client.get(admin_url(today_session)).content.decode()
        assert 'id="desk-reconfirm"' in page and "Desk must not see this" not in page
        response = client.post(admin_url(today_session, "reconfirm"))
        assert response.status_code == 302
        (event,) = events(today_session)
        assert event.actor == front_desk and event.details["via"] == "front desk"
        assert abs(event.at - timezone.now()) < dt.timedelta(minutes=1)
        history = client.get(admin_url(today_session)).content.decode()
        assert "Re-confirmed at check-in: the client said nothing changed" in history
        assert "Desk must not see this" not in history
        assert not IntakeAccess.objects.exists()  # no health read was needed
        assert client.get(admin_url(today_session, "health")).status_code == 403

    def test_the_list_action_beside_check_in_records_it_too(
        self, client, front_desk, today_session
    ):
        client.force_login(front_desk)
        response = client.post(
            reverse("admin:bookings_appointment_changelist"),
            {"action": "reconfirm_at_desk", "_selected_action": [today_session.pk]},
        )
        assert response.status_code == 302
        (event,) = events(today_session)
        assert event.actor == front_desk and event.details["via"] == "front desk"

    def test_a_therapist_cannot_record_it(self, client, clinic, today_session):
        other_therapist = clinic.therapists[1]
        client.force_login(other_therapist.user)
        response = client.post(admin_url(today_session, "reconfirm"))
        assert response.status_code == 302 and "/login/" in response["Location"]
        with pytest.raises(PermissionDenied):
            reconfirmation.reconfirm_at_desk(appointment=today_session, actor=other_therapist.user)
        assert not events(today_session)

    def test_staff_without_a_role_cannot_record_it(self, client, today_session, staff_without_role):
        client.force_login(staff_without_role)
        assert client.post(admin_url(today_session, "reconfirm")).status_code == 403
        assert not events(today_session)

    def test_only_on_the_day_of_the_session(self, front_desk, session):
        with pytest.raises(BookingError, match="on the day of the session"):
            reconfirmation.reconfirm_at_desk(appointment=session, actor=front_desk)


# --- The therapist's pre-brief -----------------------------------------------------------


class TestForTheTherapist:
    def test_the_therapist_sees_what_changed_as_a_logged_read(self, client, clinic, session, token):
        client.post(link_url(token, change=True), form_answers(pressure="deep", avoid_areas="Knee"))
        session.refresh_from_db()
        therapist = session.therapist.user
        IntakeAccess.objects.all().delete()
        summary = reconfirmation.reconfirmation_summary(
            appointment=session, user=therapist, where="test"
        )
        assert summary.last_at is not None and summary.last_via == "client link"
        assert [(c.question, c.before, c.after) for c in summary.changes] == [
            ("Anything else the therapist should know?", "Stiff neck from cycling", "—"),
            ("Preferred pressure", "Medium", "Deep"),
            ("Areas to avoid", "—", "Knee"),
        ]
        assert IntakeAccess.objects.filter(user=therapist).count() == 2
        with pytest.raises(PermissionDenied):
            reconfirmation.reconfirmation_summary(
                appointment=session, user=clinic.therapists[1].user, where="test"
            )
        client.force_login(therapist)
        page = client.get(reverse("therapists:appointment", args=[session.reference]))
        brief = page.content.decode()
        assert 'id="prebrief-changes"' in brief and "Medium → Deep" in brief


def test_the_manager_sees_the_changes_beside_the_answers(
    client, session, token, manager, front_desk
):
    client.post(link_url(token, change=True), form_answers(pressure="deep"))
    client.force_login(manager)
    page = client.get(admin_url(session, "health")).content.decode()
    assert 'id="reconfirmation"' in page and "<td>Medium</td><td>Deep</td>" in page
    assert IntakeAccess.objects.filter(user=manager, where="admin: health answers").count() == 3
    client.force_login(front_desk)
    assert client.get(admin_url(session, "health")).status_code == 403


# --- Keeping history, and erasing it ---------------------------------------------------


def test_erasure_blanks_the_replaced_intakes_too(client, session, token, manager):
    client.post(link_url(token, change=True), form_answers(pressure="deep"))
    revision = IntakeRevision.objects.get()
    client_erase(email="ada@example.com", user=manager)
    assert Intake.objects.get(pk=revision.previous_id).answers == {}
    assert Intake.objects.get(pk=revision.current_id).answers == {}


# --- The status change: through the one rule --------------------------------------------


def test_back_to_review_is_a_transition_of_the_one_rule_but_never_set_by_hand(session, front_desk):
    assert allowed_status_changes(appointment=session, among=[AppointmentStatus.PENDING_REVIEW])
    assert AppointmentStatus.PENDING_REVIEW not in allowed_status_changes(appointment=session)
    with pytest.raises(BookingError):
        appointment_set_status(
            appointment=session, status=AppointmentStatus.PENDING_REVIEW, actor=front_desk
        )
    after_start = session.start + dt.timedelta(minutes=1)
    assert not allowed_status_changes(
        appointment=session, now=after_start, among=[AppointmentStatus.PENDING_REVIEW]
    )


# --- Yearly, and whenever the questionnaire changes ------------------------------------


class TestTheYearlyRule:
    def test_currency(self, settings):
        now = timezone.now()
        fresh = IntakeFactory()
        assert intake_currency.intake_currency(fresh, now=now).is_current
        old_version = IntakeFactory(questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION - 1)
        assert intake_currency.intake_currency(old_version).reason == "outdated_version"
        later = now + dt.timedelta(days=366)
        assert intake_currency.intake_currency(fresh, now=later).reason == "too_old"
        settings.INTAKE_REANSWER_DAYS = 400
        assert intake_currency.intake_currency(fresh, now=later).is_current

    def test_an_outdated_intake_gets_no_one_tap_at_the_link(self, client, session, token):
        Intake.objects.filter(pk=session.intake_id).update(
            questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION - 1
        )
        page = client.get(link_url(token)).content.decode()
        assert 'id="nothing-changed"' not in page and "questions have changed" in page
        assert client.post(link_url(token)).status_code == 302  # to the full questionnaire
        assert not events(session)
        form = client.get(link_url(token, change=True))
        assert form.context["form"].initial["other_conditions"] is None  # not pre-filled
        assert client.post(link_url(token, change=True), form_answers()).status_code == 302
        session.refresh_from_db()
        assert session.intake.questionnaire_version == questionnaires.QUESTIONNAIRE_VERSION


class TestTheBookingPrefill:
    @pytest.fixture
    def signed_in(self, client, run_after_commit):
        from tests.accounts.test_views import sign_in_as

        ada = ClientFactory(name="Ada Lovelace", email="ada@example.com")

        def as_ada(**intake):
            AppointmentFactory(
                client=ada,
                start=local_time(-20, 10),
                status=AppointmentStatus.COMPLETED,
                intake=IntakeFactory(answers=clear_answers(avoid_areas="Left shoulder"), **intake),
            )
            sign_in_as(client, ada.email, run_after_commit)

        return as_ada

    def intake_page(self, client):
        from tests.bookings.test_booking_pages import flow_urls

        return client.get(flow_urls()["intake"], {"start": local_time(3, 10).isoformat()})

    def test_a_year_old_intake_is_answered_again(self, client, clinic, signed_in):
        signed_in()
        Intake.objects.update(created_at=timezone.now() - dt.timedelta(days=366))
        response = self.intake_page(client)
        assert not response.context["prefilled"]
        assert "more than a year ago" in response.content.decode()
        assert not IntakeAccess.objects.exists()

    def test_an_older_questionnaire_is_answered_again(self, client, clinic, signed_in):
        signed_in(questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION - 1)
        response = self.intake_page(client)
        assert not response.context["prefilled"]
        assert "questions have changed" in response.content.decode()

    def test_a_recent_intake_is_still_the_starting_point(self, client, clinic, signed_in):
        signed_in()
        response = self.intake_page(client)
        assert response.context["prefilled"] and not response.context["reanswer_why"]
