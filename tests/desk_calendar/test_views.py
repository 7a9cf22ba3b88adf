"""The desk's calendar: who may open it, what the feed shows (and does not), and that a drag
or a click goes through the booking services with their reasons."""

import datetime as dt
import json

import django.test
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.models import Email
from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.factories import TherapistFactory
from therapists.models import CredentialKind

pytestmark = pytest.mark.django_db

MEI = ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199")


def book(clinic, *, start=None, therapist=None, answers=None, service=None):
    return booking_create(
        service=service or clinic.bar_60,
        therapist=therapist or clinic.therapists[0],
        start=start or local_time(3, 10),
        client=MEI,
        answers=answers or clear_answers(),
    ).appointment


def signed_in(client, user):
    client.force_login(user)
    return client


def post_json(client, name, body):
    return client.post(reverse(name), json.dumps(body), content_type="application/json")


def wall(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def window(days_ahead=3, days=1) -> dict:
    first = timezone.localdate() + dt.timedelta(days=days_ahead)
    return {"start": first.isoformat(), "end": (first + dt.timedelta(days=days)).isoformat()}


class TestWhoMayUseIt:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("desk", 200), ("manager", 200), ("therapist", 403), ("no_role", 403)],
    )
    def test_the_page_is_for_the_desk_and_managers(self, client, clinic, people, who, status):
        response = signed_in(client, people[who]).get(reverse("desk_calendar:calendar"))
        assert response.status_code == status

    def test_anonymous_visitors_go_to_the_admin_login(self, client):
        response = client.get(reverse("desk_calendar:calendar"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert client.get(reverse("desk_calendar:list")).status_code == 302

    def test_a_signed_in_client_is_not_staff(self, client, ada, run_after_commit):
        from tests.accounts.test_views import sign_in_as

        sign_in_as(client, ada.email, run_after_commit)
        assert client.get(reverse("accounts:account")).status_code == 200
        page = client.get(reverse("desk_calendar:calendar"))
        assert page.status_code == 302
        assert page["Location"].startswith(reverse("admin:login"))
        assert client.get(reverse("desk_calendar:events"), window()).status_code == 403

    @pytest.mark.parametrize("who", ["therapist", "no_role", "anonymous"])
    def test_the_json_endpoints_refuse_everyone_else_with_a_message(
        self, client, clinic, people, who
    ):
        if people[who] is not None:
            client.force_login(people[who])
        for name, method in [
            ("desk_calendar:events", "get"),
            ("desk_calendar:slot_options", "get"),
            ("desk_calendar:clients", "get"),
            ("desk_calendar:move", "post"),
            ("desk_calendar:book", "post"),
        ]:
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 403, name
            assert response.json()["error"]

    def test_the_page_has_no_inline_script_and_keeps_the_strict_policy(
        self, client, clinic, front_desk
    ):
        response = signed_in(client, front_desk).get(reverse("desk_calendar:calendar"))
        page = response.content.decode()
        assert "<script>" not in page  # the configuration is a JSON data block
        assert 'type="application/json"' in page
        assert "vendor/event-calendar/event-calendar.min.js" in page
        assert "script-src 'self'" in response["Content-Security-Policy"]

    def test_moves_need_the_csrf_token(self, clinic, front_desk):
        strict = django.test.Client(enforce_csrf_checks=True)
        strict.force_login(front_desk)
        appointment = book(clinic)
        response = post_json(
            strict,
            "desk_calendar:move",
            {"session": appointment.pk, "start": wall(local_time(3, 14))},
        )
        assert response.status_code == 403
        appointment.refresh_from_db()
        assert appointment.start == local_time(3, 10)


class TestTheFeed:
    def test_sessions_show_first_name_style_status_and_flags_only(self, client, clinic, front_desk):
        appointment = book(
            clinic, answers=clear_answers(back_pain_now="mild", avoid_areas="Left shoulder")
        )
        response = signed_in(client, front_desk).get(reverse("desk_calendar:events"), window())
        assert response.status_code == 200
        (session,) = [
            e for e in response.json() if e.get("extendedProps", {}).get("kind") == "session"
        ]
        assert session["id"] == str(appointment.pk)
        assert session["title"] == "Mei"
        assert session["resourceIds"] == [f"t{clinic.therapists[0].pk}"]
        assert session["start"] == wall(local_time(3, 10)) + ":00"
        assert "status-confirmed" in session["classNames"]
        assert session["extendedProps"]["flags"] == ["Light pressure"]
        text = response.content.decode()
        assert "Sato" not in text and "shoulder" not in text.lower()
        assert "mei@example.com" not in text

    def test_by_room_the_session_sits_in_its_room(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = signed_in(client, front_desk).get(
            reverse("desk_calendar:events"), {**window(), "by": "rooms"}
        )
        (session,) = [e for e in response.json() if e.get("display") != "background"]
        assert session["resourceIds"] == [f"r{appointment.room_id}"]

    def test_time_off_closed_days_and_outside_hours_are_shaded(self, client, clinic, front_desk):
        from bookings.models import ClosedDay
        from therapists.models import TimeOff

        ClosedDay.objects.create(date=timezone.localdate() + dt.timedelta(days=4))
        TimeOff.objects.create(
            therapist=clinic.therapists[1], start=local_time(3, 12), end=local_time(3, 14)
        )
        events = (
            signed_in(client, front_desk)
            .get(reverse("desk_calendar:events"), window(days=2))
            .json()
        )
        shades = [e for e in events if e.get("display") == "background"]
        kinds = {e["extendedProps"]["kind"] for e in shades}
        assert kinds == {"off", "away", "closed"}
        away = [e for e in shades if e["extendedProps"]["kind"] == "away"]
        assert away[0]["resourceIds"] == [f"t{clinic.therapists[1].pk}"]
        assert away[0]["start"] == wall(local_time(3, 12)) + ":00"
        first = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        off = [
            e
            for e in shades
            if e["extendedProps"]["kind"] == "off"
            and e["resourceIds"] == [f"t{clinic.therapists[0].pk}"]
            and e["start"].startswith(first)
        ]
        assert {(e["start"][11:16], e["end"][11:16]) for e in off} == {
            ("00:00", "09:00"),
            ("17:00", "00:00"),
        }

    def test_hours_a_manager_approved_from_a_date_are_shaded_from_that_date(
        self, client, clinic, front_desk, manager
    ):
        from therapists.hours_changes import change_approve, hours_propose

        therapist = clinic.therapists[0]
        first = timezone.localdate() + dt.timedelta(days=4)
        change = hours_propose(
            therapist=therapist,
            valid_from=first,
            hours=[(weekday, dt.time(12), dt.time(16)) for weekday in range(7)],
            today=timezone.localdate(),
        )
        assert change_approve(change=change, actor=manager)
        events = (
            signed_in(client, front_desk)
            .get(reverse("desk_calendar:events"), window(days=2))
            .json()
        )

        def off_on(day: dt.date) -> set[tuple[str, str]]:
            return {
                (e["start"][11:16], e["end"][11:16])
                for e in events
                if e.get("display") == "background"
                and e["extendedProps"]["kind"] == "off"
                and e["resourceIds"] == [f"t{therapist.pk}"]
                and e["start"].startswith(day.isoformat())
            }

        assert off_on(first - dt.timedelta(days=1)) == {("00:00", "09:00"), ("17:00", "00:00")}
        assert off_on(first) == {("00:00", "12:00"), ("16:00", "00:00")}

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"start": "2026-13-01", "end": "2026-13-02"},
            {"start": "2026-03-02", "end": "2026-03-01"},
            {"start": "2026-03-01", "end": "2026-05-01"},
            {"start": "2026-03-01", "end": "2026-03-02", "by": "kitchens"},
        ],
    )
    def test_bad_windows_are_a_400_with_a_message(self, client, front_desk, params):
        response = signed_in(client, front_desk).get(reverse("desk_calendar:events"), params)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_a_week_of_twenty_therapists_costs_a_fixed_number_of_queries(
        self, client, front_desk, django_assert_max_num_queries
    ):
        clinic = build_clinic(therapists=4, bar_rooms=6)
        for day in range(7):
            for number, therapist in enumerate(clinic.therapists):
                book(clinic, therapist=therapist, start=local_time(day + 1, 9 + 2 * number))
        signed_in(client, front_desk)
        params = window(days_ahead=1, days=7)
        # The session and user (3, plus 3 when the session is saved again), the sessions in
        # one query, the schedule's token (the catalog comes from memory): 8 measured.
        with django_assert_max_num_queries(10) as few:
            assert client.get(reverse("desk_calendar:events"), params).status_code == 200
        for number in range(16):
            therapist = TherapistFactory()
            qualify(therapist, CredentialKind.BAR_CERTIFICATION)
            work_every_day(therapist)
            for day in range(7):
                book(clinic, therapist=therapist, start=local_time(day + 1, 9 + 2 * (number % 4)))
        with django_assert_max_num_queries(len(few.captured_queries)) as many:
            events = client.get(reverse("desk_calendar:events"), params).json()
        assert len([e for e in events if e.get("display") != "background"]) == 7 * 20
        assert len(many.captured_queries) == len(few.captured_queries)


class TestMove:
    def test_a_drag_to_another_therapist_moves_it_and_tells_the_client(
        self, client, clinic, front_desk, django_capture_on_commit_callbacks
    ):
        appointment = book(clinic)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = post_json(
                signed_in(client, front_desk),
                "desk_calendar:move",
                {
                    "session": appointment.pk,
                    "start": wall(local_time(3, 14)),
                    "resource": f"t{clinic.therapists[1].pk}",
                },
            )
        assert response.status_code == 200, response.content
        assert "The client has been told" in response.json()["message"]
        appointment.refresh_from_db()
        assert appointment.start == local_time(3, 14)
        assert appointment.therapist == clinic.therapists[1]
        assert appointment.events.get(kind="rescheduled").actor == front_desk
        assert Email.objects.filter(kind="rescheduled", params__appointment=appointment.pk).exists()
        assert any(m.to == ["mei@example.com"] for m in mail.outbox)

    def test_a_therapist_without_the_credential_on_that_day_is_refused_with_the_reason(
        self, client, clinic, front_desk
    ):
        appointment = book(clinic, start=local_time(10, 10))
        lapsing = TherapistFactory()
        qualify(
            lapsing,
            CredentialKind.BAR_CERTIFICATION,
            expires_on=timezone.localdate() + dt.timedelta(days=5),
        )
        work_every_day(lapsing)
        response = post_json(
            signed_in(client, front_desk),
            "desk_calendar:move",
            {
                "session": appointment.pk,
                "start": wall(local_time(10, 14)),
                "resource": f"t{lapsing.pk}",
            },
        )
        assert response.status_code == 409
        assert response.json()["error"] == "The therapist cannot offer this treatment on this day."
        appointment.refresh_from_db()
        assert (appointment.start, appointment.therapist) == (
            local_time(10, 10),
            clinic.therapists[0],
        )

    def test_a_drag_into_a_room_uses_that_room_or_says_why_not(self, client, clinic, front_desk):
        appointment = book(clinic)
        other = next(r for r in clinic.bar_rooms if r.pk != appointment.room_id)
        signed_in(client, front_desk)
        response = post_json(
            client,
            "desk_calendar:move",
            {
                "session": appointment.pk,
                "start": wall(local_time(3, 10)),
                "resource": f"r{other.pk}",
            },
        )
        assert response.status_code == 200, response.content
        appointment.refresh_from_db()
        assert appointment.room == other
        refused = post_json(
            client,
            "desk_calendar:move",
            {
                "session": appointment.pk,
                "start": wall(local_time(3, 10)),
                "resource": f"r{clinic.mat_room.pk}",
            },
        )
        assert refused.status_code == 409
        assert "not equipped" in refused.json()["error"]
        appointment.refresh_from_db()
        assert appointment.room == other

    def test_a_taken_time_is_refused_with_the_services_reason(self, client, clinic, front_desk):
        book(clinic, start=local_time(3, 14))
        appointment = book(clinic)
        response = post_json(
            signed_in(client, front_desk),
            "desk_calendar:move",
            {"session": appointment.pk, "start": wall(local_time(3, 14, 30))},
        )
        assert response.status_code == 409
        assert response.json()["error"] == "This time was just taken. Please choose another."

    @pytest.mark.parametrize(
        "body",
        [
            {"session": "x", "start": "2026-03-02T10:00"},
            {"session": 99999999, "start": "2026-03-02T10:00"},
            {"session": "SESSION", "start": "tomorrow"},
            {"session": "SESSION", "start": "2026-02-30T10:00"},
            {"session": "SESSION", "start": "2026-03-02T10:00", "resource": "q1"},
            {"session": "SESSION", "start": "2026-03-02T10:00", "resource": "t99999999"},
            {"session": True, "start": "2026-03-02T10:00"},
            ["not", "an", "object"],
        ],
    )
    def test_bad_input_is_a_400_with_a_message(self, client, clinic, front_desk, body):
        appointment = book(clinic)
        if isinstance(body, dict) and body.get("session") == "SESSION":
            body["session"] = appointment.pk
        response = post_json(signed_in(client, front_desk), "desk_calendar:move", body)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_a_body_that_is_not_json_is_a_400(self, client, front_desk):
        response = signed_in(client, front_desk).post(
            reverse("desk_calendar:move"), "{nope", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"] == "The request must be JSON."

    def test_a_completed_session_does_not_move(self, client, clinic, front_desk):
        appointment = book(clinic)
        Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.COMPLETED)
        response = post_json(
            signed_in(client, front_desk),
            "desk_calendar:move",
            {"session": appointment.pk, "start": wall(local_time(3, 14))},
        )
        assert response.status_code == 409
        assert "cannot be changed" in response.json()["error"]


class TestBook:
    def test_an_empty_slot_offers_only_what_the_service_would_accept(
        self, client, clinic, front_desk
    ):
        signed_in(client, front_desk)
        options = client.get(
            reverse("desk_calendar:slot_options"),
            {"resource": f"t{clinic.floor_only.pk}", "start": wall(local_time(3, 10))},
        ).json()
        assert [s["id"] for s in options["services"]] == [clinic.floor_60.pk]
        late = client.get(
            reverse("desk_calendar:slot_options"),
            {"resource": f"t{clinic.floor_only.pk}", "start": wall(local_time(3, 16, 30))},
        ).json()
        assert late["services"] == []  # a 60-minute session would end after 17:00

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"resource": "t1"},
            {"resource": "ROOM", "start": "2026-03-02T10:00"},
            {"resource": "t1", "start": "10:00"},
        ],
    )
    def test_a_bad_slot_question_is_a_400_with_a_message(self, client, clinic, front_desk, params):
        if params.get("resource") == "ROOM":
            params["resource"] = f"r{clinic.mat_room.pk}"
        response = signed_in(client, front_desk).get(reverse("desk_calendar:slot_options"), params)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_a_short_search_finds_nobody(self, client, clinic, front_desk):
        book(clinic, start=local_time(2, 10))
        response = signed_in(client, front_desk).get(reverse("desk_calendar:clients"), {"q": "m"})
        assert response.json() == {"clients": []}

    def test_the_desk_books_a_returning_client_from_the_calendar(
        self, client, clinic, front_desk, django_capture_on_commit_callbacks
    ):
        earlier = book(clinic, start=local_time(2, 10))
        signed_in(client, front_desk)
        found = client.get(reverse("desk_calendar:clients"), {"q": "mei"}).json()["clients"]
        assert [c["id"] for c in found] == [earlier.client_id]
        assert "mei@example.com" not in json.dumps(found)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_json(
                client,
                "desk_calendar:book",
                {
                    "client": earlier.client_id,
                    "service": clinic.bar_60.pk,
                    "resource": f"t{clinic.therapists[1].pk}",
                    "start": wall(local_time(4, 11)),
                    "unchanged": True,
                },
            )
        assert response.status_code == 201, response.content
        new = Appointment.objects.get(reference=response.json()["reference"])
        assert (new.start, new.therapist) == (local_time(4, 11), clinic.therapists[1])
        assert new.events.get(kind="created").actor == front_desk

    def test_booking_needs_the_clients_word_and_a_bookable_time(self, client, clinic, front_desk):
        earlier = book(clinic, start=local_time(2, 10))
        signed_in(client, front_desk)
        body = {
            "client": earlier.client_id,
            "service": clinic.bar_60.pk,
            "resource": f"t{clinic.floor_only.pk}",
            "start": wall(local_time(4, 11)),
        }
        assert post_json(client, "desk_calendar:book", body).status_code == 400
        refused = post_json(client, "desk_calendar:book", {**body, "unchanged": True})
        assert refused.status_code == 409
        assert refused.json()["error"] == "The therapist cannot offer this treatment on this day."

    def test_a_client_with_outdated_answers_is_sent_to_the_full_form(
        self, client, clinic, front_desk
    ):
        earlier = book(clinic, start=local_time(2, 10))
        earlier.intake.__class__.objects.filter(pk=earlier.intake_id).update(
            created_at=timezone.now() - dt.timedelta(days=400)
        )
        signed_in(client, front_desk)
        assert client.get(reverse("desk_calendar:clients"), {"q": "mei"}).json()["clients"] == []
        response = post_json(
            client,
            "desk_calendar:book",
            {
                "client": earlier.client_id,
                "service": clinic.bar_60.pk,
                "resource": f"t{clinic.therapists[1].pk}",
                "start": wall(local_time(4, 11)),
                "unchanged": True,
            },
        )
        assert response.status_code == 400
        assert "full booking form" in response.json()["error"]


class TestListView:
    def test_the_list_shows_the_days_sessions_and_moves_one(self, client, clinic, front_desk):
        appointment = book(clinic)
        signed_in(client, front_desk)
        day = timezone.localdate() + dt.timedelta(days=3)
        page = client.get(reverse("desk_calendar:list"), {"date": day.isoformat()})
        assert page.status_code == 200
        assert b"Mei Sato" in page.content and b"10:00" in page.content
        prefix = f"m{appointment.pk}"
        response = client.post(
            reverse("desk_calendar:list_move"),
            {
                "prefix": prefix,
                f"{prefix}-session": appointment.pk,
                f"{prefix}-date": day.isoformat(),
                f"{prefix}-time": "15:00",
                f"{prefix}-therapist": clinic.therapists[1].pk,
                f"{prefix}-room": "",
            },
            follow=True,
        )
        assert "Moved" in str(list(response.context["messages"])[0])
        appointment.refresh_from_db()
        assert (appointment.start, appointment.therapist) == (
            local_time(3, 15),
            clinic.therapists[1],
        )

    def test_a_refused_move_from_the_list_says_why(self, client, clinic, front_desk):
        appointment = book(clinic)
        day = timezone.localdate() + dt.timedelta(days=3)
        prefix = f"m{appointment.pk}"
        response = signed_in(client, front_desk).post(
            reverse("desk_calendar:list_move"),
            {
                "prefix": prefix,
                f"{prefix}-session": appointment.pk,
                f"{prefix}-date": day.isoformat(),
                f"{prefix}-time": "10:00",
                f"{prefix}-therapist": clinic.floor_only.pk,
            },
            follow=True,
        )
        assert "Not moved: The therapist cannot offer this treatment on this day." in str(
            list(response.context["messages"])[0]
        )

    def test_the_list_books_a_slot(self, client, clinic, front_desk):
        book(clinic, start=local_time(2, 10))
        day = timezone.localdate() + dt.timedelta(days=5)
        response = signed_in(client, front_desk).post(
            reverse("desk_calendar:list_book"),
            {
                "therapist": clinic.therapists[0].pk,
                "service": clinic.bar_60.pk,
                "date": day.isoformat(),
                "time": "12:00",
                "client": "mei@example.com",
                "unchanged": "on",
            },
            follow=True,
        )
        assert "Booked" in str(list(response.context["messages"])[0])
        assert Appointment.objects.filter(start=local_time(5, 12)).exists()

    def test_a_bad_date_shows_today(self, client, front_desk):
        response = signed_in(client, front_desk).get(reverse("desk_calendar:list"), {"date": "x"})
        assert response.status_code == 200
