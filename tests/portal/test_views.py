"""The therapist portal: who sees what, the day page, the appointment page and its actions.

Every URL is tried with the owning therapist, another therapist, a staff user (with the
manager's permission to read intakes, which still gives no portal) and an anonymous visitor.
"""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, SessionNote
from health.models import IntakeAccess
from health.screening import clear_answers
from portal import views
from tests.bookings.clinic import local_time
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    UserFactory,
)

# Sessions idle out after 30 minutes, so every request saves its session:
# SAVEPOINT, UPDATE django_session, RELEASE.
SESSION_SAVE = 3

pytestmark = pytest.mark.django_db

NOTE = {"work_done": "Long strokes along the erectors", "pressure_used": "light"}


def book(therapist, start, *, client=None, answers=None, **kwargs) -> Appointment:
    """An appointment written directly (the booking service refuses past times)."""
    intake = IntakeFactory(
        answers=clear_answers(**(answers or {})),
        outcome=kwargs.pop("outcome", "clear"),
        effective_pressure=kwargs.pop("effective_pressure", "medium"),
    )
    return AppointmentFactory(
        therapist=therapist,
        start=start,
        client=client or ClientFactory(),
        intake=intake,
        **kwargs,
    )


def started_today() -> dt.datetime:
    """A start today (clinic zone) that has already passed, so the session can be completed."""
    midnight = local_time(0, 0)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    return max(midnight, an_hour_ago).replace(second=0, microsecond=0)


@pytest.fixture
def staff_reading_intakes():
    """Staff in no role group, but allowed to read full intakes in the admin (as a manager is)."""
    user = UserFactory(username="manager", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_full_intake"))
    return user


@pytest.fixture
def session(alice):
    """Alice's session today, already started; the client has notes for the therapist."""
    return book(
        alice,
        started_today(),
        client=ClientFactory(name="Ada Lovelace", email="ada@example.com"),
        answers={"avoid_areas": "Left shoulder", "other_conditions": "Old ankle sprain"},
    )


def page_urls(appointment: Appointment) -> dict[str, str]:
    day = timezone.localdate(appointment.start).isoformat()
    return {
        "today": reverse("therapists:today"),
        "day": reverse("therapists:day", args=[day]),
        "week": reverse("therapists:week", args=[day]),
        "appointment": reverse("therapists:appointment", args=[appointment.reference]),
        "calendar": reverse("therapists:calendar"),
    }


def action_urls(appointment: Appointment) -> dict[str, tuple[str, dict]]:
    reference = appointment.reference
    return {
        "status": (
            reverse("therapists:appointment_status", args=[reference]),
            {"status": "completed"},
        ),
        "note": (reverse("therapists:appointment_note", args=[reference]), NOTE),
        "calendar_reset": (reverse("therapists:calendar_reset"), {}),
        "calendar_revoke": (reverse("therapists:calendar_revoke"), {}),
    }


PAGES = ["today", "day", "week", "appointment", "calendar"]
ACTIONS = ["status", "note", "calendar_reset", "calendar_revoke"]
# Pages of one appointment; the others show whoever is signed in their own day or feed.
APPOINTMENT_ACTIONS = ["status", "note"]


class TestWhoSeesWhat:
    @pytest.mark.parametrize("name", PAGES)
    def test_the_owner_sees_every_page(self, client, session, name):
        client.force_login(session.therapist.user)
        response = client.get(page_urls(session)[name])
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    @pytest.mark.parametrize("name", PAGES)
    def test_another_therapist_never_sees_the_owners_session(self, client, session, bob, name):
        client.force_login(bob.user)
        response = client.get(page_urls(session)[name])
        if name == "appointment":
            assert response.status_code == 404
        else:  # their own (empty) day, week or feed page
            assert response.status_code == 200
        content = response.content.decode()
        assert "Ada Lovelace" not in content
        assert session.reference not in content
        assert "Left shoulder" not in content

    @pytest.mark.parametrize("name", PAGES)
    def test_staff_without_a_therapist_profile_get_404(
        self, client, session, staff_reading_intakes, name
    ):
        client.force_login(staff_reading_intakes)
        assert client.get(page_urls(session)[name]).status_code == 404

    @pytest.mark.parametrize("name", PAGES)
    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, session, name):
        url = page_urls(session)[name]
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('therapists:login')}?next={url}"

    @pytest.mark.parametrize("name", ACTIONS)
    def test_the_owner_can_act_and_is_redirected(self, client, session, name):
        client.force_login(session.therapist.user)
        url, data = action_urls(session)[name]
        assert client.post(url, data).status_code == 302

    @pytest.mark.parametrize("name", APPOINTMENT_ACTIONS)
    def test_another_therapist_cannot_act_on_the_owners_session(self, client, session, bob, name):
        client.force_login(bob.user)
        url, data = action_urls(session)[name]
        assert client.post(url, data).status_code == 404
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED
        assert not SessionNote.objects.exists()
        assert not AppointmentEvent.objects.exists()

    @pytest.mark.parametrize("name", ACTIONS)
    def test_staff_without_a_therapist_profile_cannot_act(
        self, client, session, staff_reading_intakes, name
    ):
        client.force_login(staff_reading_intakes)
        url, data = action_urls(session)[name]
        assert client.post(url, data).status_code == 404
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED
        assert not SessionNote.objects.exists()

    @pytest.mark.parametrize("name", ACTIONS)
    def test_anonymous_visitors_cannot_act(self, client, session, name):
        url, data = action_urls(session)[name]
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("therapists:login"))
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED
        assert not SessionNote.objects.exists()

    def test_another_therapists_day_shows_only_their_own_sessions(self, client, session, bob):
        bobs = book(bob, session.start, client=ClientFactory(name="Grace Hopper"))
        client.force_login(bob.user)
        content = client.get(page_urls(session)["day"]).content.decode()
        assert "Grace Hopper" in content and bobs.reference in content
        assert "Ada Lovelace" not in content

    def test_a_reassigned_appointment_leaves_the_first_therapists_portal(
        self, client, session, alice, bob
    ):
        url = page_urls(session)["appointment"]
        session.therapist = bob
        session.save()
        client.force_login(alice.user)
        assert client.get(url).status_code == 404
        client.force_login(bob.user)
        assert client.get(url).status_code == 200

    def test_an_inactive_therapist_has_no_portal(self, client, session):
        session.therapist.active = False
        session.therapist.save()
        client.force_login(session.therapist.user)
        assert client.get(page_urls(session)["appointment"]).status_code == 404

    def test_an_unknown_reference_is_404(self, client, session):
        client.force_login(session.therapist.user)
        url = reverse("therapists:appointment", args=["ZZZZZZZZ"])
        assert client.get(url).status_code == 404

    def test_actions_refuse_get(self, client, session):
        client.force_login(session.therapist.user)
        url, _ = action_urls(session)["status"]
        assert client.get(url).status_code == 405


class TestLogin:
    def test_a_seeded_demo_therapist_logs_in_and_lands_on_today(self, client):
        call_command("seed_demo", stdout=io.StringIO())
        response = client.post(
            reverse("therapists:login"), {"username": "aiko-tanaka", "password": "ashiatsu-demo"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("therapists:today")
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Aiko Tanaka" in page.content.decode()

    def test_a_wrong_password_is_refused(self, client, alice):
        response = client.post(
            reverse("therapists:login"), {"username": alice.user.username, "password": "nope"}
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_logging_out_ends_the_session(self, client, alice):
        client.force_login(alice.user)
        response = client.post(reverse("therapists:logout"))
        assert response.status_code == 302
        assert client.get(reverse("therapists:today")).status_code == 302


class TestDayPage:
    def test_it_lists_the_days_sessions_in_time_order_in_the_clinic_zone(self, client, alice):
        later = book(alice, local_time(2, 14), client=ClientFactory(name="Zed Later"))
        earlier = book(alice, local_time(2, 9, 30), client=ClientFactory(name="Amy Earlier"))
        client.force_login(alice.user)
        response = client.get(reverse("therapists:day", args=[local_time(2, 0).date()]))
        sessions = response.context["sessions"]
        assert [s.appointment for s in sessions] == [earlier, later]
        content = response.content.decode()
        # 09:30 in New York, whatever UTC says.
        assert "09:30" in content and "14:00" in content
        assert content.index("Amy Earlier") < content.index("Zed Later")

    def test_it_shows_what_matters_before_walking_on_a_back(self, client, alice):
        appointment = book(
            alice,
            local_time(2, 10),
            client=ClientFactory(name="Mia Mild"),
            answers={
                "back_pain_now": "mild",
                "pressure": "deep",
                "avoid_areas": "Right knee",
                "other_conditions": "Recovering from a cold",
            },
            outcome="light_pressure",
            effective_pressure="light",
        )
        client.force_login(alice.user)
        response = client.get(reverse("therapists:day", args=[local_time(2, 0).date()]))
        content = response.content.decode()
        for expected in (
            "Mia Mild",
            appointment.service.style.name,
            "60 minutes",
            appointment.room.name,
            "Confirmed",
            "Light pressure only",  # the outcome and the flag
            "client asked for deep",
            "Right knee",
            "Recovering from a cold",
            "First visit",
        ):
            assert expected in content, expected

    def test_cancelled_sessions_are_left_out(self, client, alice):
        book(
            alice,
            local_time(2, 10),
            client=ClientFactory(name="Cancelled Carl"),
            status=AppointmentStatus.CANCELLED,
        )
        client.force_login(alice.user)
        response = client.get(reverse("therapists:day", args=[local_time(2, 0).date()]))
        assert "Cancelled Carl" not in response.content.decode()

    def test_a_free_day_says_so(self, client, alice):
        client.force_login(alice.user)
        response = client.get(reverse("therapists:day", args=[local_time(5, 0).date()]))
        assert response.status_code == 200
        assert "No sessions on" in response.content.decode()

    def test_today_links_to_the_previous_and_next_day_and_the_week(self, client, alice):
        client.force_login(alice.user)
        content = client.get(reverse("therapists:today")).content.decode()
        today = timezone.localdate()
        for url in (
            reverse("therapists:day", args=[(today - dt.timedelta(days=1)).isoformat()]),
            reverse("therapists:day", args=[(today + dt.timedelta(days=1)).isoformat()]),
            reverse("therapists:week", args=[today.isoformat()]),
        ):
            assert f'href="{url}"' in content

    def test_the_print_stylesheet_hides_navigation_and_actions(self, client, alice):
        client.force_login(alice.user)
        assert "css/portal.css" in client.get(reverse("therapists:today")).content.decode()
        css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
        assert "@media print" in css and ".portal-actions" in css and ".navbar" in css

    def test_first_visit_means_no_earlier_non_cancelled_session_of_that_client_record(
        self, client, alice, bob
    ):
        # Returning: an earlier completed session with another therapist, same record.
        record = ClientFactory(email="returning@example.com")
        book(bob, local_time(-7, 10), client=record, status=AppointmentStatus.COMPLETED)
        returning = book(alice, local_time(2, 9), client=record)
        # First: the only earlier booking of the record was cancelled.
        newcomer = ClientFactory(email="new@example.com")
        book(bob, local_time(-7, 12), client=newcomer, status=AppointmentStatus.CANCELLED)
        first = book(alice, local_time(2, 11), client=newcomer)
        # First too: an earlier session under the same address in another, unlinked record
        # (anyone can type anyone's address; issue #13: only the verified record counts).
        book(
            bob,
            local_time(-7, 14),
            client=ClientFactory(email="TYPED@example.com"),
            status=AppointmentStatus.COMPLETED,
        )
        typed = book(alice, local_time(2, 13), client=ClientFactory(email="typed@example.com"))
        client.force_login(alice.user)
        response = client.get(reverse("therapists:day", args=[local_time(2, 0).date()]))
        visits = {s.appointment: s.first_visit for s in response.context["sessions"]}
        assert visits == {returning: False, first: True, typed: True}

    @pytest.mark.parametrize(
        "day",
        ["2026-02-30", "2026-13-01", "2026-00-10", "0000-01-01", "1999-01-01", "2999-12-31"],
    )
    def test_an_impossible_or_far_off_day_is_404(self, client, alice, day):
        client.force_login(alice.user)
        assert client.get(f"/therapist/day/{day}/").status_code == 404
        assert client.get(f"/therapist/week/{day}/").status_code == 404

    @pytest.mark.parametrize("path", ["/therapist/day/2026-1-1/", "/therapist/day/today/"])
    def test_a_malformed_day_is_404(self, client, alice, path):
        client.force_login(alice.user)
        assert client.get(path).status_code == 404

    @pytest.mark.parametrize("sessions", [1, 10])
    def test_the_query_count_does_not_grow_with_the_sessions(
        self, client, alice, sessions, django_assert_num_queries
    ):
        regular = ClientFactory(email="regular@example.com")
        book(alice, local_time(-3, 10), client=regular, status=AppointmentStatus.COMPLETED)
        for index in range(sessions):
            # 75 minutes apart: a 60-minute session and Alice's 15-minute buffer.
            start = local_time(2, 6) + dt.timedelta(minutes=75 * index)
            book(alice, start, client=regular if index % 2 else None)
        client.force_login(alice.user)
        url = reverse("therapists:day", args=[local_time(2, 0).date()])
        # 1 session, 2 user, 3 therapist profile, 4 the day's appointments joined with client,
        # service, style, room and intake, first visit as an EXISTS subquery,
        # 5 one INSERT of the intake-access rows.
        with django_assert_num_queries(5 + SESSION_SAVE):
            response = client.get(url)
        assert len(response.context["sessions"]) == sessions

    def test_a_free_day_needs_no_insert(self, client, alice, django_assert_num_queries):
        client.force_login(alice.user)
        url = reverse("therapists:day", args=[local_time(5, 0).date()])
        with django_assert_num_queries(4 + SESSION_SAVE):  # session, user, therapist, appointments
            client.get(url)

    def test_each_session_shown_is_logged_as_an_intake_view(self, client, alice):
        shown = [book(alice, local_time(2, 9)), book(alice, local_time(2, 11))]
        book(alice, local_time(3, 9))  # another day: not shown, not logged
        client.force_login(alice.user)
        client.get(reverse("therapists:day", args=[local_time(2, 0).date()]))
        accesses = IntakeAccess.objects.all()
        assert sorted(a.intake_id for a in accesses) == sorted(a.intake_id for a in shown)
        assert {(a.user, a.where) for a in accesses} == {(alice.user, views.DAY_PAGE)}


class TestWeekPage:
    def test_it_shows_monday_to_sunday_with_flags_but_no_intake_texts(
        self, client, alice, bob, django_assert_num_queries
    ):
        day = local_time(7, 0).date()
        monday = day - dt.timedelta(days=day.weekday())
        at = dt.datetime.combine(monday, dt.time(10), timezone.get_current_timezone())
        book(alice, at, client=ClientFactory(name="Monday Mo"), answers={"avoid_areas": "Neck"})
        book(alice, at + dt.timedelta(days=6), client=ClientFactory(name="Sunday Su"))
        book(alice, at + dt.timedelta(days=7), client=ClientFactory(name="Next Ned"))
        book(bob, at, client=ClientFactory(name="Bobs Bea"))
        client.force_login(alice.user)
        # session, user, therapist, the week's appointments (as on the day page); no insert
        with django_assert_num_queries(4 + SESSION_SAVE):
            response = client.get(reverse("therapists:week", args=[day.isoformat()]))
        content = response.content.decode()
        assert "Monday Mo" in content and "Sunday Su" in content
        assert "Next Ned" not in content and "Bobs Bea" not in content
        assert "Areas to avoid" in content and "Neck" not in content
        assert not IntakeAccess.objects.exists()


class TestAppointmentPage:
    def test_it_shows_the_full_intake_and_logs_each_view(self, client, session):
        client.force_login(session.therapist.user)
        url = page_urls(session)["appointment"]
        for _ in range(2):
            content = client.get(url).content.decode()
            assert "Are you pregnant, or have you been in the last 12 weeks?" in content
            assert "Left shoulder" in content and "Old ankle sprain" in content
        accesses = IntakeAccess.objects.filter(intake=session.intake)
        assert accesses.count() == 2
        assert {(a.user, a.where) for a in accesses} == {
            (session.therapist.user, views.APPOINTMENT_PAGE)
        }

    def test_refused_visitors_leave_no_access_log(
        self, client, session, bob, staff_reading_intakes
    ):
        url = page_urls(session)["appointment"]
        for user in (bob.user, staff_reading_intakes):
            client.force_login(user)
            client.get(url)
        client.logout()
        client.get(url)
        assert not IntakeAccess.objects.exists()

    def test_it_lists_the_clients_earlier_sessions_with_the_clinic(self, client, session, bob):
        # The same client record (the clinic linked these bookings to it): shown, not the
        # cancelled one, not someone else's.
        book(bob, local_time(-10, 10), client=session.client, status=AppointmentStatus.COMPLETED)
        book(bob, local_time(-5, 10), client=session.client, status=AppointmentStatus.CANCELLED)
        book(
            bob,
            local_time(-4, 10),
            client=ClientFactory(email="someone@example.com"),
            status=AppointmentStatus.COMPLETED,
        )
        client.force_login(session.therapist.user)
        response = client.get(page_urls(session)["appointment"])
        past = response.context["past_sessions"]
        assert len(past) == 1 and past[0].therapist == bob
        assert "Bob Stepper" in response.content.decode()

    @pytest.mark.parametrize("typed", ["ADA@example.com", "ada@example.com", "Ada@Example.COM"])
    def test_sessions_linked_only_by_a_typed_email_never_show_their_notes(
        self, client, session, bob, typed
    ):
        """Issue #11 item 5: another client record under the same address, in any case, is
        not the same client; booking under a victim's address must not open their notes."""
        victim = book(
            bob,
            local_time(-3, 10),
            client=ClientFactory(name="Victim", email=typed),
            status=AppointmentStatus.COMPLETED,
        )
        SessionNote.objects.create(
            appointment=victim, author=bob.user, work_done="SECRET sciatica", pressure_used="light"
        )
        client.force_login(session.therapist.user)
        response = client.get(page_urls(session)["appointment"])
        assert response.context["past_sessions"] == []
        content = response.content.decode()
        assert "SECRET sciatica" not in content and victim.reference not in content

    def test_the_query_count_is_fixed(self, client, session, bob, django_assert_num_queries):
        for days_ago in (3, 5, 7):
            earlier = book(bob, local_time(-days_ago, 10), client=session.client)
            SessionNote.objects.create(
                appointment=earlier, author=bob.user, work_done="Fine", pressure_used="medium"
            )
        client.force_login(session.therapist.user)
        # 1 session, 2 user, 3 therapist, 4 appointment with client, service, style, room,
        # intake, 5-6 the user's and groups' permissions (read_intake_answers asks for the
        # manager's permission first), 7 INSERT intake access, 8 notes with authors, 9 history
        # with actors, 10 earlier sessions with service and therapist, 11 their notes,
        # 12 the session's chart note (none), 13 the pre-brief's last signed note (none),
        # 14 the client's clearances on record (none); 15-17 the re-confirmation: last
        # history line, intake revisions, link sent (none); 18 whether this session treats
        # the client (bookings.privacy.may_read_client_history, asked once per page).
        with django_assert_num_queries(18 + SESSION_SAVE):
            client.get(page_urls(session)["appointment"])


class TestActions:
    def test_marking_completed_is_saved_and_recorded(self, client, session):
        user = session.therapist.user
        client.force_login(user)
        url, _ = action_urls(session)["status"]
        response = client.post(url, {"status": "completed"}, follow=True)
        assert "marked completed" in response.content.decode()
        session.refresh_from_db()
        assert session.status == AppointmentStatus.COMPLETED
        event = AppointmentEvent.objects.get(appointment=session)
        assert event.kind == AppointmentEvent.Kind.STATUS
        assert event.actor == user
        assert event.details == {"old": "confirmed", "new": "completed"}

    def test_marking_a_no_show_is_saved_and_recorded(self, client, session):
        client.force_login(session.therapist.user)
        url, _ = action_urls(session)["status"]
        client.post(url, {"status": "no_show"})
        session.refresh_from_db()
        assert session.status == AppointmentStatus.NO_SHOW
        assert AppointmentEvent.objects.filter(appointment=session, kind="status").count() == 1

    def test_a_session_that_has_not_started_cannot_be_completed(self, client, alice):
        later = book(alice, local_time(2, 10))
        client.force_login(alice.user)
        url, _ = action_urls(later)["status"]
        response = client.post(url, {"status": "completed"}, follow=True)
        assert "has not started yet" in response.content.decode()
        later.refresh_from_db()
        assert later.status == AppointmentStatus.CONFIRMED
        assert not AppointmentEvent.objects.exists()

    @pytest.mark.parametrize("status", ["cancelled", "confirmed", "checked_in", ""])
    def test_other_statuses_cannot_be_set_here(self, client, session, status):
        client.force_login(session.therapist.user)
        url, _ = action_urls(session)["status"]
        response = client.post(url, {"status": status}, follow=True)
        assert "Please choose completed or no-show" in response.content.decode()
        session.refresh_from_db()
        assert session.status == AppointmentStatus.CONFIRMED

    def test_a_completed_session_cannot_be_marked_again(self, client, session):
        client.force_login(session.therapist.user)
        url, _ = action_urls(session)["status"]
        client.post(url, {"status": "completed"})
        response = client.post(url, {"status": "no_show"}, follow=True)
        assert "cannot be marked no-show" in response.content.decode()
        session.refresh_from_db()
        assert session.status == AppointmentStatus.COMPLETED

    def test_a_session_note_is_kept_with_the_appointment_and_recorded(self, client, session):
        user = session.therapist.user
        client.force_login(user)
        url, _ = action_urls(session)["note"]
        data = {**NOTE, "client_response": "Relaxed, a little sore"}
        response = client.post(url, data, follow=True)
        assert "Session note saved" in response.content.decode()
        assert "Relaxed, a little sore" in response.content.decode()
        note = SessionNote.objects.get(appointment=session)
        assert (note.work_done, note.pressure_used, note.client_response, note.author) == (
            NOTE["work_done"],
            "light",
            "Relaxed, a little sore",
            user,
        )
        event = AppointmentEvent.objects.get(appointment=session)
        assert (event.kind, event.actor) == (AppointmentEvent.Kind.NOTE, user)

    @pytest.mark.parametrize(
        "data",
        [
            {"work_done": "", "pressure_used": "light"},
            {"work_done": "Fine", "pressure_used": "crushing"},
            {"work_done": "x" * 2001, "pressure_used": "light"},
        ],
    )
    def test_a_bad_note_is_refused_with_the_form_and_nothing_saved(self, client, session, data):
        client.force_login(session.therapist.user)
        url, _ = action_urls(session)["note"]
        response = client.post(url, data)
        assert response.status_code == 400
        assert response.context["note_form"].errors
        assert not SessionNote.objects.exists()
        assert not AppointmentEvent.objects.exists()
