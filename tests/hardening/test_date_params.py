"""Dates in query strings at the edges of the calendar get a clear 4xx (or work), never a
500: the day-after of 9999-12-31 and the day-before of 0001-01-01 do not exist."""

import pytest
from django.urls import reverse

from bookings.roles import CLINIC_MANAGER, FRONT_DESK
from tests.people import staff_member
from therapists.clinic_time import REACH_MESSAGE

pytestmark = pytest.mark.django_db

EDGES = ["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02"]


@pytest.mark.parametrize("day", EDGES)
def test_the_days_takings_at_the_edges_of_the_calendar_are_a_clear_400(client, day):
    client.force_login(staff_member("desk", FRONT_DESK))
    response = client.get(reverse("payments:day"), {"date": day})
    assert response.status_code == 400
    assert REACH_MESSAGE in response.content.decode()


def test_the_days_takings_of_a_normal_day_still_work(client):
    client.force_login(staff_member("desk", FRONT_DESK))
    assert client.get(reverse("payments:day"), {"date": "2026-12-01"}).status_code == 200


@pytest.mark.parametrize(
    "start,end",
    [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("9999-12-31", "9999-12-31")],
)
def test_the_ledger_csv_at_the_edges_of_the_calendar_is_a_clear_400(client, start, end):
    client.force_login(staff_member("boss", CLINIC_MANAGER))
    response = client.get(reverse("payments:ledger_csv"), {"start": start, "end": end})
    assert response.status_code == 400
    assert REACH_MESSAGE in response.content.decode()


def test_weaker_roles_and_anonymous_get_no_further_with_an_edge_date(client):
    ledger = reverse("payments:ledger_csv")
    query = {"start": "9999-12-30", "end": "9999-12-31"}
    response = client.get(ledger, query)
    assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(staff_member("desk", FRONT_DESK))  # the ledger is the manager's
    assert client.get(ledger, query).status_code == 403
    client.force_login(staff_member("temp", None))
    assert client.get(reverse("payments:day"), {"date": "9999-12-31"}).status_code == 403
