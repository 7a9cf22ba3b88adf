"""The treatment-plan pages in the admin (bookings/admin_views/series.py): who may book and
cancel a series, the preview step, refusals with alternatives, bad input as 4xx."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Appointment, AppointmentStatus, TreatmentPlan
from bookings.series import series_book
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

ADD = "admin:bookings_treatmentplan_add"
OK, FORBIDDEN, LOGIN = 200, 403, "login"
STAFF_PAGE = {"desk": OK, "manager": OK, "therapist": LOGIN, "no_role": FORBIDDEN, "anonymous": LOGIN}  # fmt: skip


@pytest.fixture
def record():
    return ClientFactory(name="Ada Client", email="ada@example.com")


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def series_data(clinic, record, *, start=None, every=2, sessions=4, step="check", **answers):
    start = start or local_time(3, 10)
    data = {
        "client": record.pk,
        "service": clinic.bar_60.pk,
        "therapist": clinic.therapists[0].pk,
        "date": start.date().isoformat(),
        "time": f"{start:%H:%M}",
        "interval_weeks": every,
        "sessions": sessions,
        step: "1",
    }
    if step == "book":
        for key, value in clear_answers(**answers).items():
            if value is None:
                continue  # a date that is not asked: the form posts nothing
            if isinstance(value, bool):
                value = "on" if key in ("consent", "adult") else ("yes" if value else "no")
            data[f"intake-{key}"] = value
    return data


def _check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", list(STAFF_PAGE))
def test_the_booking_page_answers_as_the_role_allows(client, clinic, people, who):
    _check(login(client, people[who]).get(reverse(ADD)), STAFF_PAGE[who])


@pytest.mark.parametrize("who", list(STAFF_PAGE))
def test_only_the_desk_and_the_manager_can_book_a_series(client, clinic, people, record, who):
    response = login(client, people[who]).post(
        reverse(ADD), series_data(clinic, record, step="book")
    )
    if STAFF_PAGE[who] == OK:
        assert response.status_code == 302
        plan = TreatmentPlan.objects.get()
        assert response["Location"] == reverse(
            "admin:bookings_treatmentplan_change", args=[plan.pk]
        )
        assert plan.appointments.count() == 4
        assert plan.created_by == people[who]
    else:
        _check(response, STAFF_PAGE[who])
        assert not Appointment.objects.exists()


def test_the_preview_lists_every_date_and_books_nothing(client, clinic, front_desk, record):
    response = login(client, front_desk).post(reverse(ADD), series_data(clinic, record, sessions=3))
    assert response.status_code == 200
    assert [p.refusal for p in response.context["planned"]] == [None, None, None]
    assert b"Book all 3 sessions" in response.content
    assert not Appointment.objects.exists()


def test_a_taken_date_books_none_and_offers_alternatives(client, clinic, front_desk, record):
    taken = local_time(3 + 14, 10)
    AppointmentFactory(
        therapist=clinic.therapists[0], service=clinic.bar_60, room=clinic.bar_rooms[0],
        start=taken,
    )  # fmt: skip
    data = series_data(clinic, record, step="book")
    response = login(client, front_desk).post(reverse(ADD), data)
    assert response.status_code == 409
    assert Appointment.objects.count() == 1
    assert b"Nothing was booked" in response.content
    refused = [p for p in response.context["planned"] if p.refusal]
    assert [p.number for p in refused] == [2]
    alternative = refused[0].refusal.alternatives[0]
    assert f'name="replace-2" value="{alternative.isoformat()}"'.encode() in response.content
    # Choosing the alternative books the whole series.
    response = client.post(reverse(ADD), {**data, "replace-2": alternative.isoformat()})
    assert response.status_code == 302
    assert TreatmentPlan.objects.get().appointments.filter(start=alternative).exists()


def test_a_declined_intake_books_none(client, clinic, front_desk, record):
    data = series_data(clinic, record, step="book", osteoporosis=True)
    response = login(client, front_desk).post(reverse(ADD), data)
    assert response.status_code == 400
    assert b"osteoporosis" in response.content
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"sessions": 13},
        {"sessions": 1},
        {"interval_weeks": 9},
        {"interval_weeks": "x"},
        {"date": "9999-12-31"},
        {"date": "not a date"},
        {"client": 999999},
        {"therapist": ""},
        {"replace-2": "tomorrow"},
        {"replace-2": "2027-01-01T10:00"},
    ],
)
def test_bad_input_is_a_400_with_a_message(client, clinic, front_desk, record, bad):
    response = login(client, front_desk).post(
        reverse(ADD), {**series_data(clinic, record, step="book"), **bad}
    )
    assert response.status_code == 400
    assert b"errornote" in response.content
    assert not Appointment.objects.exists()


class TestThePlanPage:
    @pytest.fixture
    def plan(self, clinic, record, front_desk):
        return series_book(
            client=record,
            service=clinic.bar_60,
            therapist=clinic.therapists[0],
            first_start=local_time(3, 10),
            interval_weeks=1,
            sessions=3,
            answers=clear_answers(),
            actor=front_desk,
        ).plan

    @pytest.mark.parametrize("who", list(STAFF_PAGE))
    def test_the_plan_page_answers_as_the_role_allows(self, client, people, plan, who):
        url = reverse("admin:bookings_treatmentplan_change", args=[plan.pk])
        _check(login(client, people[who]).get(url), STAFF_PAGE[who])

    @pytest.mark.parametrize("who", list(STAFF_PAGE))
    def test_cancelling_the_series_as_the_role_allows(self, client, people, plan, who):
        url = reverse("admin:bookings_treatmentplan_cancel", args=[plan.pk])
        response = login(client, people[who]).post(url, {"reason": "Client moved away"})
        statuses = set(plan.appointments.values_list("status", flat=True))
        if STAFF_PAGE[who] == OK:
            assert response.status_code == 302
            assert statuses == {AppointmentStatus.CANCELLED}
            plan.refresh_from_db()
            assert plan.cancelled_at is not None
        else:
            _check(response, STAFF_PAGE[who])
            assert statuses == {AppointmentStatus.CONFIRMED}

    def test_each_session_says_in_its_history_that_it_belongs_to_the_plan(
        self, client, front_desk, plan
    ):
        first = plan.appointments.order_by("start").first()
        url = reverse("admin:bookings_appointment_history", args=[first.pk])
        response = login(client, front_desk).get(url)
        assert f"session 1 of 3 of treatment plan {plan.pk}".encode() in response.content

    def test_a_missing_reason_cancels_nothing(self, client, front_desk, plan):
        url = reverse("admin:bookings_treatmentplan_cancel", args=[plan.pk])
        response = login(client, front_desk).post(url, {"reason": ""})
        assert response.status_code == 302
        assert not plan.appointments.filter(status=AppointmentStatus.CANCELLED).exists()

    def test_an_unknown_plan_redirects_to_the_list(self, client, front_desk):
        response = login(client, front_desk).get(
            reverse("admin:bookings_treatmentplan_change", args=[424242])
        )
        assert response.status_code == 302


def test_the_first_session_may_be_within_the_notice_for_staff(client, clinic, front_desk, record):
    soon = local_time(0, 0) + dt.timedelta(days=1, hours=9)  # tomorrow 09:00
    response = login(client, front_desk).post(
        reverse(ADD), series_data(clinic, record, start=soon, step="book", sessions=2)
    )
    assert response.status_code == 302


def test_a_client_record_links_its_plans_and_books_a_new_one(client, clinic, front_desk, record):
    plan = series_book(
        client=record, service=clinic.bar_60, therapist=clinic.therapists[0],
        first_start=local_time(3, 10), interval_weeks=1, sessions=2,
        answers=clear_answers(), actor=front_desk,
    ).plan  # fmt: skip
    page = login(client, front_desk).get(reverse("admin:clients_client_change", args=[record.pk]))
    assert reverse("admin:bookings_treatmentplan_change", args=[plan.pk]) in page.content.decode()
    add = f"{reverse(ADD)}?client={record.pk}"
    assert add in page.content.decode()
    assert client.get(add).context["form"].initial["client"] == str(record.pk)
