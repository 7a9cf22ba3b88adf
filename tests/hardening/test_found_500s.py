"""The 500s the query-string sweep (test_query_fuzz.py) found, each pinned by a test: an add
page preselecting a related row from a value that is no key, and the waitlist page
preselecting a service from text the database cannot compare."""

import pytest
from django.urls import reverse

from bookings.models import TreatmentPlan
from bookings.roles import FRONT_DESK
from health.models import Clearance
from tests.factories import ClientFactory, ServiceFactory, TherapistFactory
from tests.people import staff_member

pytestmark = pytest.mark.django_db

NOT_KEYS = ["x", "2026-01-01", "9" * 40, "-1", "1,2"]  # NUL: test_nul_in_address.py


@pytest.mark.parametrize(
    "url,param",
    [
        ("admin:health_clearance_add", "client"),
        ("admin:bookings_treatmentplan_add", "client"),
        ("admin:therapists_credential_add", "therapist"),
        ("admin:therapists_therapist_add", "user"),
    ],
)
@pytest.mark.parametrize("value", NOT_KEYS)
def test_an_add_page_ignores_a_preselection_that_is_no_key(
    client, signed_in_superuser_manager, url, param, value
):
    response = client.get(reverse(url), {param: value})
    assert response.status_code == 200
    assert not Clearance.objects.exists() and not TreatmentPlan.objects.exists()


def test_a_real_key_is_still_preselected(client, signed_in_superuser_manager):
    ada = ClientFactory(name="Ada Lovelace")
    response = client.get(reverse("admin:health_clearance_add"), {"client": ada.pk})
    assert response.status_code == 200
    assert f'value="{ada.pk}" selected' in response.text


def test_the_front_desk_gets_the_same_answer_and_anonymous_the_login(client):
    assert client.get(reverse("admin:health_clearance_add"), {"client": "x"}).status_code == 302
    client.force_login(staff_member("desk", FRONT_DESK))
    assert client.get(reverse("admin:health_clearance_add"), {"client": "x"}).status_code in (
        200,
        403,
    )


@pytest.mark.parametrize("value", ["x" * 3000, "bar 60", "é", "bar%"])
def test_the_waitlist_page_ignores_a_preselection_that_is_no_slug(client, value):
    ServiceFactory(slug="bar-60")
    TherapistFactory(slug="aiko")
    response = client.get(reverse("waitlist:join"), {"service": value, "therapist": value})
    assert response.status_code == 200


def test_the_waitlist_page_still_preselects_a_real_service(client):
    service = ServiceFactory(slug="bar-60")
    response = client.get(reverse("waitlist:join"), {"service": "bar-60"})
    assert response.status_code == 200
    assert f'value="{service.pk}" selected' in response.text
