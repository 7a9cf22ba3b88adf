"""The therapist sees their weekly load against their budget on the week page (issue 17)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus
from tests.bookings.clinic import local_time
from tests.factories import ServiceFactory, StyleFactory, TherapistFactory
from tests.portal.test_views import SESSION_SAVE, book

pytestmark = pytest.mark.django_db


def _week_page(client, therapist, day, django_assert_num_queries):
    client.force_login(therapist.user)
    # session, user, therapist, the week's appointments: the load adds no query
    with django_assert_num_queries(4 + SESSION_SAVE):
        response = client.get(reverse("therapists:week", args=[day.isoformat()]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_week_page_shows_the_weighted_load_against_the_budget(
    client, settings, django_assert_num_queries
):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 150, "floor": 100}
    alice = TherapistFactory(weekly_load_minutes=300)
    other = TherapistFactory()
    day = local_time(7, 0).date()
    monday = day - dt.timedelta(days=day.weekday())
    at = dt.datetime.combine(monday, dt.time(10), timezone.get_current_timezone())
    bar_60 = ServiceFactory(style=StyleFactory(slug="bar"), duration_minutes=60)
    floor_90 = ServiceFactory(style=StyleFactory(slug="floor"), duration_minutes=90)
    book(alice, at, service=bar_60)  # 90
    book(alice, at + dt.timedelta(days=2), service=floor_90)  # 90
    book(alice, at + dt.timedelta(days=3), service=bar_60, status=AppointmentStatus.CANCELLED)
    book(alice, at + dt.timedelta(days=7), service=bar_60)  # next week
    book(other, at, service=floor_90)

    content = _week_page(client, alice, day, django_assert_num_queries)

    assert "<strong>180</strong> of your 300-minute weekly budget booked" in content
    assert '<progress class="week-load-bar" max="300" value="180"' in content
    assert "over budget" not in content


def test_a_week_booked_past_a_lowered_budget_says_so(client, django_assert_num_queries):
    alice = TherapistFactory(weekly_load_minutes=60)
    day = local_time(7, 0).date()
    monday = day - dt.timedelta(days=day.weekday())
    at = dt.datetime.combine(monday, dt.time(10), timezone.get_current_timezone())
    book(alice, at)
    book(alice, at + dt.timedelta(days=1))

    content = _week_page(client, alice, day, django_assert_num_queries)

    assert "<strong>120</strong> of your 60-minute weekly budget booked" in content
    assert "over budget" in content
