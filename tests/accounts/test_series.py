"""A signed-in client books their session as a series (accounts/series.py): only their own
booking, only a service that allows it, all or nothing; and cancels their plan's rest."""

import pytest
from django.urls import reverse

from bookings.models import Appointment, AppointmentStatus, TreatmentPlan
from health.models import IntakeAccess
from health.screening import clear_answers
from tests.accounts.test_views import SIGN_IN, sign_in_as
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed(clinic):
    clinic.bar_60.allows_series = True
    clinic.bar_60.save()
    return clinic.bar_60


def session_of(record, clinic, *, days=3, service=None, **intake):
    return AppointmentFactory(
        client=record,
        therapist=clinic.therapists[0],
        service=service or clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(days, 10),
        intake=IntakeFactory(answers=clear_answers(**intake)),
    )


def url(appointment):
    return reverse("accounts:series", args=[appointment.reference])


CHOICE = {"interval_weeks": 2, "sessions": 3, "answers_hold": "on"}


def test_anonymous_visitors_go_to_sign_in(client, clinic, ada, allowed):
    anchor = session_of(ada, clinic)
    assert client.get(url(anchor)).url == SIGN_IN
    assert client.post(url(anchor), {**CHOICE, "book": "1"}).url == SIGN_IN
    assert Appointment.objects.count() == 1


def test_a_client_books_their_session_as_a_series(client, clinic, ada, allowed, run_after_commit):
    anchor = session_of(ada, clinic)
    sign_in_as(client, ada.email, run_after_commit)
    assert client.get(url(anchor)).status_code == 200
    response = client.post(url(anchor), {**CHOICE, "check": "1"})
    assert response.status_code == 200
    assert [p.refusal for p in response.context["planned"]] == [None, None, None]
    assert Appointment.objects.count() == 1  # the preview books nothing
    response = client.post(url(anchor), {**CHOICE, "book": "1"})
    assert response.status_code == 302 and response.url == reverse("accounts:account")
    plan = TreatmentPlan.objects.get()
    assert plan.client == ada and plan.created_by is None
    assert list(plan.appointments.order_by("start")) == [
        anchor,
        *Appointment.objects.exclude(pk=anchor.pk).order_by("start"),
    ]
    assert plan.appointments.count() == 3
    # The client's own answers were read for it, and logged as such.
    assert IntakeAccess.objects.filter(
        intake=anchor.intake, user=None, where="series booking, own answers"
    ).exists()
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Your series" in page


def test_the_answers_must_be_confirmed(client, clinic, ada, allowed, run_after_commit):
    anchor = session_of(ada, clinic)
    sign_in_as(client, ada.email, run_after_commit)
    response = client.post(url(anchor), {"interval_weeks": 2, "sessions": 3, "book": "1"})
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_a_service_that_does_not_allow_a_series_is_refused(client, clinic, ada, run_after_commit):
    anchor = session_of(ada, clinic)
    sign_in_as(client, ada.email, run_after_commit)
    response = client.post(url(anchor), {**CHOICE, "book": "1"})
    assert response.status_code == 403
    assert "cannot be booked as a series online" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_another_clients_booking_is_not_found(client, clinic, ada, allowed, run_after_commit):
    someone_else = session_of(ClientFactory(email="bob@example.com"), clinic)
    session_of(ada, clinic, days=4)
    sign_in_as(client, ada.email, run_after_commit)
    assert client.get(url(someone_else)).status_code == 404
    assert client.post(url(someone_else), {**CHOICE, "book": "1"}).status_code == 404
    assert Appointment.objects.count() == 2


def test_a_taken_date_books_none_and_says_which(client, clinic, ada, allowed, run_after_commit):
    anchor = session_of(ada, clinic)
    AppointmentFactory(
        therapist=clinic.therapists[0], service=clinic.bar_60, room=clinic.bar_rooms[1],
        start=local_time(3 + 28, 10),
    )  # fmt: skip
    sign_in_as(client, ada.email, run_after_commit)
    response = client.post(url(anchor), {**CHOICE, "book": "1"})
    assert response.status_code == 409
    assert "Nothing was booked" in response.content.decode()
    assert [p.number for p in response.context["planned"] if p.refusal] == [3]
    assert not TreatmentPlan.objects.exists() and Appointment.objects.count() == 2


@pytest.mark.parametrize(
    "bad", [{"sessions": 13}, {"interval_weeks": 0}, {"replace-2": "soon"}, {"sessions": "x"}]
)
def test_bad_input_is_a_400(client, clinic, ada, allowed, run_after_commit, bad):
    anchor = session_of(ada, clinic)
    sign_in_as(client, ada.email, run_after_commit)
    response = client.post(url(anchor), {**CHOICE, "book": "1", **bad})
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_the_confirmation_offers_a_series_to_the_signed_in_owner_only(
    client, clinic, ada, allowed, run_after_commit
):
    from accounts.services import manage_link_reissue

    anchor = session_of(ada, clinic)
    token = manage_link_reissue(appointment=anchor)
    manage = reverse("bookings:manage", args=[anchor.reference, token]) + "?new=1"
    assert "Book this as a series" not in client.get(manage).content.decode()
    sign_in_as(client, ada.email, run_after_commit)
    assert "Book this as a series" in client.get(manage).content.decode()


def test_a_client_cancels_the_rest_of_their_series(client, clinic, ada, allowed, run_after_commit):
    anchor = session_of(ada, clinic)
    sign_in_as(client, ada.email, run_after_commit)
    client.post(url(anchor), {**CHOICE, "book": "1"})
    plan = TreatmentPlan.objects.get()
    other = TreatmentPlan.objects.create(
        client=ClientFactory(email="bob@example.com"), therapist=plan.therapist,
        service=plan.service, interval_weeks=1, session_count=2, first_start=plan.first_start,
    )  # fmt: skip
    cancel = "accounts:series_cancel"
    assert client.post(reverse(cancel, args=[other.pk])).status_code == 404
    response = client.post(reverse(cancel, args=[plan.pk]))
    assert response.status_code == 302
    assert set(plan.appointments.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
