"""The staff side of appointments in the admin: who may open what, and every change going
through the booking services (issue 5).

Roles: the front desk, the clinic manager, a therapist (a login without staff access), a staff
login with no role, and an anonymous visitor.
"""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, ClosedDay
from bookings.services import ClientDetails, booking_create
from clients.models import Client
from health.models import Intake, IntakeAccess
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time
from tests.factories import AppointmentFactory, ClearanceFactory, IntakeFactory
from tests.people import CLINIC_MANAGER, FRONT_DESK, request_queries, role, staff_member  # noqa: F401
from therapists.models import TimeOff

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
SOMEONE = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


# --- Roles and people ---------------------------------------------------------------------


def book(clinic, *, start=None, therapist=None, answers=None, actor=None):
    return booking_create(
        service=clinic.bar_60,
        therapist=therapist or clinic.therapists[0],
        start=start or local_time(3, 10),
        client=SOMEONE,
        answers=answers or clear_answers(),
        actor=actor,
    ).appointment


def form_errors(response) -> str:
    return " ".join(
        str(error)
        for form in ("move_form", "book_form", "form")
        if response.context and response.context.get(form) is not None
        for error in response.context[form].non_field_errors()
    )


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- Permission matrix --------------------------------------------------------------------

OK, FORBIDDEN, LOGIN, REDIRECT = 200, 403, "login", 302
# role -> expected answer; "login" means a redirect to the admin's login page.
STAFF_PAGE = {
    "desk": OK,
    "manager": OK,
    "therapist": LOGIN,
    "no_role": FORBIDDEN,
    "anonymous": LOGIN,
}
MANAGER_ONLY = {**STAFF_PAGE, "desk": FORBIDDEN}


def _appointment_url(name):
    return lambda data: reverse(f"admin:bookings_appointment_{name}", args=[data["booking"].pk])


GET_PAGES = {
    "appointment list": (lambda data: reverse("admin:bookings_appointment_changelist"), STAFF_PAGE),
    "appointment page": (_appointment_url("change"), STAFF_PAGE),
    "appointment history": (_appointment_url("history"), STAFF_PAGE),
    "book an appointment": (lambda data: reverse("admin:bookings_appointment_add"), STAFF_PAGE),
    "cancel page": (_appointment_url("cancel"), STAFF_PAGE),
    "day schedule": (lambda data: reverse("admin:bookings_appointment_schedule"), STAFF_PAGE),
    "week schedule": (
        lambda data: reverse(
            "admin:bookings_appointment_schedule_week", args=[data["booking"].therapist_id]
        ),
        STAFF_PAGE,
    ),
    "review queue": (lambda data: reverse("admin:bookings_appointment_review"), STAFF_PAGE),
    "csv export": (lambda data: reverse("admin:bookings_appointment_export"), STAFF_PAGE),
    "health answers": (_appointment_url("health"), MANAGER_ONLY),
    "intake (outcome only)": (
        lambda data: reverse("admin:health_intake_change", args=[data["booking"].intake_id]),
        STAFF_PAGE,
    ),
    "appointment history list": (
        lambda data: reverse("admin:bookings_appointmentevent_changelist"),
        STAFF_PAGE,
    ),
    "intake access log": (
        lambda data: reverse("admin:health_intakeaccess_changelist"),
        MANAGER_ONLY,
    ),
}


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(ADMIN_LOGIN)
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("who", list(STAFF_PAGE))
@pytest.mark.parametrize("page", list(GET_PAGES))
def test_each_page_answers_as_the_role_allows(client, clinic, people, who, page):
    data = {"booking": book(clinic, answers=clear_answers(disc_condition=True))}
    url, expected = GET_PAGES[page]
    response = login(client, people[who]).get(url(data))
    _check(response, expected[who])


def _status_post(data):
    return (
        reverse("admin:bookings_appointment_status", args=[data["today"].pk]),
        {"status": "checked_in"},
    )


def _move_post(data):
    return (
        reverse("admin:bookings_appointment_change", args=[data["booking"].pk]),
        {"date": local_time(4, 14).date().isoformat(), "time": "14:00", "therapist": ""},
    )


def _review_post(data):
    return (
        reverse("admin:bookings_appointment_review_decide", args=[data["pending"].pk]),
        {"decision": "approve", "note": "Cleared by phone with her GP."},
    )


def _cancel_post(data):
    return (
        reverse("admin:bookings_appointment_cancel", args=[data["booking"].pk]),
        {"reason": "Client called in sick."},
    )


def _add_post(data):
    return reverse("admin:bookings_appointment_add"), booking_form_data(
        data["clinic"], start=local_time(5, 11)
    )


POST_ACTIONS = {
    "check in": (_status_post, {**STAFF_PAGE, "desk": REDIRECT, "manager": REDIRECT}),
    "move": (_move_post, {**STAFF_PAGE, "desk": REDIRECT, "manager": REDIRECT}),
    "cancel": (_cancel_post, {**STAFF_PAGE, "desk": REDIRECT, "manager": REDIRECT}),
    "book": (_add_post, {**STAFF_PAGE, "desk": REDIRECT, "manager": REDIRECT}),
    "approve a review": (_review_post, {**MANAGER_ONLY, "manager": REDIRECT}),
}


@pytest.mark.parametrize("who", list(STAFF_PAGE))
@pytest.mark.parametrize("action", list(POST_ACTIONS))
def test_each_action_answers_as_the_role_allows(client, clinic, people, who, action):
    data = {
        "clinic": clinic,
        "booking": book(clinic),
        "pending": book(
            clinic, start=local_time(3, 14), answers=clear_answers(disc_condition=True)
        ),
        "today": AppointmentFactory(
            therapist=clinic.therapists[1],
            service=clinic.bar_60,
            room=clinic.bar_rooms[1],
            start=timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=30),
        ),
    }
    ClearanceFactory(client=data["pending"].client)  # approving needs one on record
    build, expected = POST_ACTIONS[action]
    url, payload = build(data)
    events_before = AppointmentEvent.objects.count()
    response = login(client, people[who]).post(url, payload)
    _check(response, expected[who])
    if expected[who] == REDIRECT:
        assert AppointmentEvent.objects.count() > events_before
    else:
        assert AppointmentEvent.objects.count() == events_before


def test_the_front_desk_gets_no_approve_or_decline_buttons(client, clinic, front_desk):
    book(clinic, answers=clear_answers(disc_condition=True))
    response = client_for(client, front_desk).get(reverse("admin:bookings_appointment_review"))
    assert b"A disc condition" in response.content
    assert b'value="approve"' not in response.content


def client_for(client, user):
    client.force_login(user)
    return client


# --- The appointment list -----------------------------------------------------------------


class TestAppointmentList:
    def test_shows_local_times_outcome_and_flags_but_no_answers(self, client, clinic, front_desk):
        appointment = book(
            clinic,
            answers=clear_answers(back_pain_now="mild", avoid_areas="Left shoulder blade"),
        )
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_changelist")
        )
        content = response.content.decode()
        assert appointment.reference in content
        assert f"{local_time(3, 10):%a %d %b %Y, %H:%M}–11:00" in content
        assert "Light pressure only" in content
        assert "Areas to avoid" in content
        assert "Left shoulder blade" not in content

    @pytest.mark.parametrize(
        "query", ["?q=ada@example.com", "?q=Ada+Client", "?when=upcoming", "?status=confirmed"]
    )
    def test_search_and_filters_find_the_booking(self, client, clinic, front_desk, query):
        appointment = book(clinic)
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_changelist") + query
        )
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [appointment]

    def test_searches_by_reference(self, client, clinic, front_desk):
        appointment = book(clinic)
        book(clinic, start=local_time(3, 13))
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_changelist") + f"?q={appointment.reference}"
        )
        assert list(response.context["cl"].result_list) == [appointment]

    def test_nobody_may_delete_an_appointment(self, client, clinic, manager):
        appointment = book(clinic)
        response = client_for(client, manager).post(
            reverse("admin:bookings_appointment_delete", args=[appointment.pk]), {"post": "yes"}
        )
        assert response.status_code == 403
        assert Appointment.objects.filter(pk=appointment.pk).exists()


def _many_appointments(clinic, count: int) -> None:
    """`count` bookings spread over every therapist and room, each at its own time (four a
    day, two hours apart), so no two can overlap."""
    for index in range(count):
        AppointmentFactory(
            therapist=clinic.therapists[index % len(clinic.therapists)],
            service=clinic.bar_60,
            room=clinic.bar_rooms[index % len(clinic.bar_rooms)],
            start=local_time(2 + index // 4, 9 + index % 4 * 2),
            intake=IntakeFactory(outcome="light_pressure", effective_pressure="light"),
        )


# Besides the request: the pending-review count for the "Review queue" button (1); the
# therapist and style filter choices (2); the filtered and the full count (2); the page of
# rows with client, therapist, service, style, room and intake joined in (1); the date
# hierarchy's first/last start and its days (2).
APPOINTMENT_LIST_QUERIES = 8


@pytest.mark.parametrize("extra_therapists", [0, 6])
@pytest.mark.parametrize("appointments", [1, 40])
def test_the_list_query_count_does_not_grow(
    client, front_desk, django_assert_num_queries, appointments, extra_therapists
):
    clinic = build_clinic(therapists=2 + extra_therapists)
    _many_appointments(clinic, appointments)
    client_for(client, front_desk)
    with django_assert_num_queries(request_queries() + APPOINTMENT_LIST_QUERIES):
        response = client.get(reverse("admin:bookings_appointment_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == appointments


# --- CSV export -----------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


class TestCsvExport:
    def test_exports_the_filtered_list_without_intake_answers(self, client, clinic, front_desk):
        answers = clear_answers(
            back_pain_now="mild",
            avoid_areas="Scar on the lower left back",
            other_conditions="Mild scoliosis",
        )
        wanted = book(clinic, answers=answers)
        other = booking_create(
            service=clinic.floor_60,
            therapist=clinic.floor_only,
            start=local_time(3, 10),
            client=ClientDetails(name="Bo Other", email="bo@example.com", phone="+1 212 555 0100"),
            answers=clear_answers(),
        ).appointment
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_export") + "?service__style__id__exact="
            f"{clinic.bar_60.style_id}"
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        header, *rows = _csv(response)
        assert header[:3] == ["reference", "date", "start"]
        assert [row[0] for row in rows] == [wanted.reference]
        assert other.reference not in str(rows)
        row = dict(zip(header, rows[0], strict=True))
        assert row["start"] == "10:00"
        assert row["client"] == "Ada Client"
        assert row["intake outcome"] == "Light pressure only"
        flat = " ".join(rows[0])
        for answer in ("Scar on the lower left back", "Mild scoliosis", "mild"):
            assert answer not in flat

    def test_a_name_that_looks_like_a_formula_is_defused(self, client, clinic, front_desk):
        appointment = book(clinic)
        Client.objects.filter(pk=appointment.client_id).update(name="=HYPERLINK(1)")
        response = client_for(client, front_desk).get(reverse("admin:bookings_appointment_export"))
        header, row = _csv(response)
        assert dict(zip(header, row, strict=True))["client"] == "'=HYPERLINK(1)"

    def test_a_bad_filter_redirects_instead_of_failing(self, client, clinic, front_desk):
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_export") + "?nonsense=1"
        )
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")


# --- Appointment page: move, status, cancel -------------------------------------------------


def move(client, appointment, start: dt.datetime, therapist=None):
    return client.post(
        reverse("admin:bookings_appointment_change", args=[appointment.pk]),
        {
            "date": start.date().isoformat(),
            "time": f"{start:%H:%M}",
            "therapist": therapist.pk if therapist else "",
        },
    )


class TestMove:
    def test_moves_through_the_service_and_records_who(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = move(client_for(client, front_desk), appointment, local_time(4, 14))
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.start == local_time(4, 14)
        assert appointment.end == local_time(4, 15)
        event = appointment.events.get(kind="rescheduled")
        assert event.actor == front_desk
        page = client.get(response["Location"])
        assert "moved to" in str(list(page.context["messages"])[0])
        assert b"Moved from" in page.content

    def test_an_overlapping_time_is_refused_with_the_reason_and_nothing_changes(
        self, client, clinic, front_desk
    ):
        book(clinic, start=local_time(3, 10))
        later = book(clinic, start=local_time(3, 13))
        response = move(client_for(client, front_desk), later, local_time(3, 10, 30))
        assert response.status_code == 200
        assert "This time was just taken" in form_errors(response)
        assert b"This time was just taken" in response.content
        later.refresh_from_db()
        assert later.start == local_time(3, 13)
        assert not later.events.filter(kind="rescheduled").exists()

    def test_another_therapist_can_be_chosen(self, client, clinic, front_desk):
        appointment = book(clinic)
        move(client_for(client, front_desk), appointment, local_time(3, 10), clinic.therapists[1])
        appointment.refresh_from_db()
        assert appointment.therapist == clinic.therapists[1]

    def test_a_therapist_who_is_not_qualified_is_refused(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = move(
            client_for(client, front_desk), appointment, local_time(3, 10), clinic.floor_only
        )
        assert "cannot offer this treatment" in form_errors(response)
        appointment.refresh_from_db()
        assert appointment.therapist == clinic.therapists[0]

    def test_staff_may_move_inside_24_hours_and_the_override_is_recorded(
        self, client, clinic, front_desk
    ):
        start, target = _soon()
        appointment = book(clinic, start=start, actor=front_desk)
        response = move(client_for(client, front_desk), appointment, target)
        assert response.status_code == 302
        event = appointment.events.get(kind="rescheduled")
        assert (event.actor, event.staff_override) == (front_desk, True)
        page = client.get(response["Location"])
        assert b"Yes: inside the client cut-off" in page.content

    def test_invalid_input_is_a_form_error(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_change", args=[appointment.pk]),
            {"date": "not a date", "time": "25:00"},
        )
        assert response.status_code == 200
        assert response.context["move_form"].errors.keys() == {"date", "time"}

    def test_a_cancelled_booking_has_no_move_form(self, client, clinic, front_desk):
        appointment = book(clinic)
        Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_change", args=[appointment.pk])
        )
        assert response.context["move_form"] is None
        refused = move(client, appointment, local_time(4, 10))
        assert "cannot be changed" in form_errors(refused)

    def test_an_unknown_appointment_redirects_with_a_message(self, client, front_desk):
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_change", args=["999999"])
        )
        assert response.status_code == 302


def _soon() -> tuple[dt.datetime, dt.datetime]:
    """A start inside the clients' 24-hour cut-off and a free target in working hours
    (09:00-17:00), whatever the time of day the test runs at."""
    now = timezone.localtime()
    if now.hour < 13:  # 15:00 + 60 min + 15 min buffer still ends by 17:00
        return local_time(0, 15), local_time(0, 14)
    return local_time(1, 10), local_time(1, 11)


class TestStatusAndCancel:
    def test_check_in_is_recorded_with_who_and_when(self, client, clinic, front_desk):
        appointment = AppointmentFactory(
            therapist=clinic.therapists[0],
            service=clinic.bar_60,
            room=clinic.bar_rooms[0],
            start=timezone.now() - dt.timedelta(minutes=5),
        )
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_status", args=[appointment.pk]),
            {"status": "checked_in"},
        )
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CHECKED_IN
        event = appointment.events.get()
        assert (event.kind, event.actor, event.details["new"]) == (
            "status",
            front_desk,
            "checked_in",
        )

    def test_completing_a_future_session_is_refused_with_a_message(
        self, client, clinic, front_desk
    ):
        appointment = book(clinic)
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_status", args=[appointment.pk]),
            {"status": "completed"},
            follow=True,
        )
        assert "has not started yet" in response.content.decode()
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    def test_an_unknown_status_is_refused(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_status", args=[appointment.pk]),
            {"status": "cancelled"},
            follow=True,
        )
        assert "cannot be set here" in response.content.decode()

    def test_status_needs_a_post(self, client, clinic, front_desk):
        appointment = book(clinic)
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_status", args=[appointment.pk])
        )
        assert response.status_code == 405

    def test_cancel_asks_for_a_reason_then_cancels_through_the_service(
        self, client, clinic, front_desk
    ):
        appointment = book(clinic)
        url = reverse("admin:bookings_appointment_cancel", args=[appointment.pk])
        refused = client_for(client, front_desk).post(url, {"reason": ""})
        assert refused.status_code == 200
        assert refused.context["form"].errors["reason"]
        response = client.post(url, {"reason": "Client called in sick."})
        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED
        event = appointment.events.get(kind="cancelled")
        assert (event.actor, event.details["reason"]) == (front_desk, "Client called in sick.")


class TestListActions:
    def changelist_post(self, client, action, appointments, **extra):
        return client.post(
            reverse("admin:bookings_appointment_changelist"),
            {"action": action, "_selected_action": [a.pk for a in appointments], **extra},
        )

    def test_check_in_reports_each_failure(self, client, clinic, front_desk):
        today = AppointmentFactory(
            therapist=clinic.therapists[0],
            service=clinic.bar_60,
            room=clinic.bar_rooms[0],
            start=timezone.now() - dt.timedelta(minutes=5),
        )
        later = book(clinic, therapist=clinic.therapists[1])
        client_for(client, front_desk)
        response = self.changelist_post(client, "check_in", [today, later], index=0)
        assert response.status_code == 302
        messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
        assert any(today.reference in m and "Checked in 1" in m for m in messages)
        assert any(later.reference in m and "day of the session" in m for m in messages)
        today.refresh_from_db()
        later.refresh_from_db()
        assert (today.status, later.status) == ("checked_in", "confirmed")

    def test_cancel_shows_a_confirmation_with_a_reason_first(self, client, clinic, front_desk):
        first = book(clinic)
        second = book(clinic, start=local_time(3, 13))
        client_for(client, front_desk)
        page = self.changelist_post(client, "cancel_appointments", [first, second], index=0)
        assert page.status_code == 200
        assert b"Why?" in page.content
        assert not Appointment.objects.filter(status="cancelled").exists()
        done = self.changelist_post(
            client, "cancel_appointments", [first, second], apply="1", reason="Storm closure"
        )
        assert done.status_code == 302
        assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}
        assert {
            event.details["reason"] for event in AppointmentEvent.objects.filter(kind="cancelled")
        } == {"Storm closure"}


# --- Booking from the admin ---------------------------------------------------------------


def booking_form_data(clinic, *, start, therapist=None, **answers):
    data = {
        "service": clinic.bar_60.pk,
        "therapist": (therapist or clinic.therapists[0]).pk,
        "date": start.date().isoformat(),
        "time": f"{start:%H:%M}",
        "client-name": "Phone Booker",
        "client-email": "phone@example.com",
        "client-phone": "+1 212 555 0123",
    }
    for key, value in clear_answers(**answers).items():
        if value is None:
            continue  # a date that is not asked: the form posts nothing
        if isinstance(value, bool):
            value = "on" if key in ("consent", "adult") else ("yes" if value else "no")
        data[f"intake-{key}"] = value
    return data


class TestBookFromTheAdmin:
    def test_books_through_the_service_with_the_intake(self, client, clinic, front_desk):
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_add"),
            booking_form_data(clinic, start=local_time(3, 11), avoid_areas="Neck"),
        )
        assert response.status_code == 302
        appointment = Appointment.objects.select_related("client", "intake").get()
        assert response["Location"] == reverse(
            "admin:bookings_appointment_change", args=[appointment.pk]
        )
        assert appointment.start == local_time(3, 11)
        assert appointment.client.email == "phone@example.com"
        assert appointment.intake.answers["avoid_areas"] == "Neck"
        assert appointment.events.get().actor == front_desk

    def test_a_taken_slot_is_a_form_error_and_nothing_is_saved(self, client, clinic, front_desk):
        book(clinic, start=local_time(3, 10))
        before = (Appointment.objects.count(), Client.objects.count(), Intake.objects.count())
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_add"),
            booking_form_data(clinic, start=local_time(3, 10, 30)),
        )
        assert response.status_code == 200
        assert "This time was just taken" in form_errors(response)
        assert b"Nothing was booked" in response.content
        after = (Appointment.objects.count(), Client.objects.count(), Intake.objects.count())
        assert after == before

    def test_a_declined_intake_books_nothing_and_says_why(self, client, clinic, front_desk):
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_add"),
            booking_form_data(clinic, start=local_time(3, 11), osteoporosis=True),
        )
        assert response.status_code == 200
        assert "osteoporosis" in form_errors(response).lower()
        assert not Appointment.objects.exists()

    def test_every_intake_question_is_required(self, client, clinic, front_desk):
        data = booking_form_data(clinic, start=local_time(3, 11))
        del data["intake-pregnancy"]
        response = client_for(client, front_desk).post(
            reverse("admin:bookings_appointment_add"), data
        )
        assert response.status_code == 200
        assert response.context["intake_form"].errors["pregnancy"]
        assert not Appointment.objects.exists()

    def test_staff_may_book_a_walk_in_inside_the_two_hour_notice(self, client, clinic, front_desk):
        with time_machine.travel(local_time(0, 10), tick=False):
            client_for(client, front_desk)  # sign in at the travelled time: sessions idle out
            response = client.post(
                reverse("admin:bookings_appointment_add"),
                booking_form_data(clinic, start=local_time(0, 10, 30)),
            )
        assert response.status_code == 302
        assert Appointment.objects.get().start == local_time(0, 10, 30)

    def test_a_schedule_link_prefills_the_form(self, client, clinic, front_desk):
        therapist = clinic.therapists[1]
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_add")
            + f"?therapist={therapist.pk}&date=2030-01-02&time=10:15"
        )
        form = response.context["book_form"]
        assert (form["therapist"].value(), form["date"].value(), form["time"].value()) == (
            str(therapist.pk),
            "2030-01-02",
            "10:15",
        )


# --- Health answers and the review queue --------------------------------------------------


class TestHealthAnswers:
    def test_the_manager_reads_them_and_the_read_is_logged(self, client, clinic, manager):
        appointment = book(clinic, answers=clear_answers(other_conditions="Old knee injury"))
        response = client_for(client, manager).get(
            reverse("admin:bookings_appointment_health", args=[appointment.pk])
        )
        assert response.status_code == 200
        assert b"Old knee injury" in response.content
        access = IntakeAccess.objects.get()
        assert (access.user, access.intake_id) == (manager, appointment.intake_id)

    def test_the_front_desk_is_refused_and_nothing_is_logged(self, client, clinic, front_desk):
        appointment = book(clinic, answers=clear_answers(other_conditions="Old knee injury"))
        response = client_for(client, front_desk).get(
            reverse("admin:bookings_appointment_health", args=[appointment.pk])
        )
        assert response.status_code == 403
        assert not IntakeAccess.objects.exists()

    def test_the_front_desk_sees_outcome_reasons_and_flags_only(self, client, clinic, front_desk):
        appointment = book(
            clinic,
            answers=clear_answers(disc_condition=True, other_conditions="Old knee injury"),
        )
        for url in (
            reverse("admin:bookings_appointment_change", args=[appointment.pk]),
            reverse("admin:health_intake_change", args=[appointment.intake_id]),
            reverse("admin:bookings_appointment_review"),
        ):
            content = client_for(client, front_desk).get(url).content.decode()
            assert "Needs clearance" in content or "Needed clinical clearance" in content
            assert "Other conditions noted" in content
            assert "Old knee injury" not in content
        assert not IntakeAccess.objects.exists()


class TestReviewQueue:
    def test_lists_pending_bookings_with_their_reasons(self, client, clinic, front_desk):
        pending = book(clinic, answers=clear_answers(disc_condition=True))
        confirmed = book(clinic, start=local_time(3, 13))
        response = client_for(client, front_desk).get(reverse("admin:bookings_appointment_review"))
        assert [row["appointment"] for row in response.context["rows"]] == [pending]
        assert confirmed.reference not in response.content.decode()
        assert "disc condition" in response.content.decode()

    def test_approve_confirms_and_records_the_note(self, client, clinic, manager):
        pending = book(clinic, answers=clear_answers(disc_condition=True))
        ClearanceFactory(client=pending.client)
        response = client_for(client, manager).post(
            reverse("admin:bookings_appointment_review_decide", args=[pending.pk]),
            {"decision": "approve", "note": "GP letter on file."},
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == AppointmentStatus.CONFIRMED
        event = pending.events.get(kind="status")
        assert (event.actor, event.details["note"]) == (manager, "GP letter on file.")

    def test_decline_needs_a_note_for_the_client(self, client, clinic, manager):
        pending = book(clinic, answers=clear_answers(disc_condition=True))
        url = reverse("admin:bookings_appointment_review_decide", args=[pending.pk])
        response = client_for(client, manager).post(url, {"decision": "decline", "note": " "})
        assert response.status_code == 400
        assert b"Write a short note" in response.content
        pending.refresh_from_db()
        assert pending.status == AppointmentStatus.PENDING_REVIEW
        client.post(url, {"decision": "decline", "note": "Please see your physician first."})
        pending.refresh_from_db()
        assert pending.status == AppointmentStatus.CANCELLED
        event = pending.events.get(kind="cancelled")
        assert event.details["review"] == "declined"

    def test_a_booking_not_waiting_for_review_gets_a_message(self, client, clinic, manager):
        confirmed = book(clinic)
        response = client_for(client, manager).post(
            reverse("admin:bookings_appointment_review_decide", args=[confirmed.pk]),
            {"decision": "approve"},
            follow=True,
        )
        assert b"not waiting for review" in response.content

    def test_an_unknown_decision_changes_nothing(self, client, clinic, manager):
        pending = book(clinic, answers=clear_answers(disc_condition=True))
        client_for(client, manager).post(
            reverse("admin:bookings_appointment_review_decide", args=[pending.pk]),
            {"decision": "maybe"},
        )
        pending.refresh_from_db()
        assert pending.status == AppointmentStatus.PENDING_REVIEW


# --- Every list page ----------------------------------------------------------------------

LIST_PAGES = [
    "bookings_appointment",
    "bookings_appointmentevent",
    "clients_client",
    "bookings_closedday",
    "health_intake",
    "health_intakeaccess",
    "bookings_room",
    "bookings_service",
    "bookings_style",
    "therapists_credential",
    "therapists_therapist",
    "therapists_timeoff",
    "therapists_workinghours",
]


def _add_rows(count: int, offset: int) -> None:
    """`count` more of everything a list page shows, none overlapping another."""
    clinic = build_clinic(therapists=count, bar_rooms=count)
    for index in range(count):
        day = offset + index
        therapist = clinic.therapists[index]
        appointment = AppointmentFactory(
            therapist=therapist,
            service=clinic.bar_60,
            room=clinic.bar_rooms[index],
            start=local_time(day, 10),
        )
        AppointmentEvent.objects.create(appointment=appointment, kind="created", actor=None)
        IntakeAccess.objects.create(intake=appointment.intake, user=None, where="test")
        TimeOff.objects.create(
            therapist=therapist, start=local_time(day, 14), end=local_time(day, 16)
        )
        ClosedDay.objects.create(date=local_time(day + 30, 0).date())


@pytest.mark.parametrize("page", LIST_PAGES)
def test_no_list_page_makes_more_queries_for_more_rows(client, manager, page):
    url = reverse(f"admin:{page}_changelist")
    client_for(client, manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    _add_rows(1, offset=2)
    few = queries()
    _add_rows(6, offset=4)
    assert queries() == few


@pytest.mark.parametrize(
    ("starts_in", "buttons"),
    [
        (dt.timedelta(days=3), []),
        (-dt.timedelta(minutes=5), ["Check in", "Completed", "No-show"]),
    ],
)
def test_the_page_offers_only_the_status_changes_that_can_happen_now(
    client, clinic, front_desk, starts_in, buttons
):
    appointment = AppointmentFactory(
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=timezone.now().replace(second=0, microsecond=0) + starts_in,
    )
    response = client_for(client, front_desk).get(
        reverse("admin:bookings_appointment_change", args=[appointment.pk])
    )
    assert [label for _, label in response.context["status_actions"]] == buttons


class TestSessionNotesOnTheAppointmentPage:
    """Session notes are health data: the front desk's `view_sessionnote` does not let it
    read them on the appointment page; the manager reads them, and the read is logged."""

    @pytest.fixture
    def noted(self, clinic):
        from tests.factories import AppointmentFactory

        appointment = AppointmentFactory(
            therapist=clinic.therapists[0], service=clinic.bar_60, room=clinic.bar_rooms[0]
        )
        appointment.notes.create(
            author=None, work_done="Sciatica flared on the left side", pressure_used="light"
        )
        return appointment

    def _page(self, client, user, appointment):
        client.force_login(user)
        url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
        return client.get(url).content.decode()

    def test_the_front_desk_does_not_read_them_and_nothing_is_logged(
        self, client, front_desk, noted
    ):
        from health.models import IntakeAccess

        assert "Sciatica" not in self._page(client, front_desk, noted)
        assert not IntakeAccess.objects.filter(user=front_desk).exists()

    def test_the_manager_reads_them_and_the_read_is_logged(self, client, manager, noted):
        from health.models import IntakeAccess

        assert "Sciatica" in self._page(client, manager, noted)
        assert IntakeAccess.objects.filter(
            user=manager, intake=noted.intake, where__contains="session notes"
        ).exists()
