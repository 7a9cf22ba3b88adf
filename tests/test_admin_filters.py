"""A filter value that overflows dates is an "invalid filter", not a 500.

`?start__year=9999` made Django build the bound 10000-01-01. Every registered ModelAdmin
gets `core.admin_filters.SafeFilterChangeList` from its base, ClinicModelAdmin (so a new
admin cannot forget).
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_filters import SafeFilterAdminMixin, SafeFilterChangeList
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    """The test client, signed in as a superuser (every admin page and filter open)."""
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("admin:bookings_appointment_changelist", "start__year=9999"),
        ("admin:bookings_appointment_changelist", "start__year=9999&start__month=12&start__day=31"),
        ("admin:bookings_appointment_export", "start__year=9999"),
        ("admin:bookings_appointmentevent_changelist", "at__year=9999"),
        ("admin:bookings_closedday_changelist", "date__year=9999"),
        ("admin:therapists_timeoff_changelist", "start__year=9999"),
        ("admin:clients_client_changelist", "created_at__year=9999"),
        ("admin:health_intakeaccess_changelist", "at__year=9999"),
        ("admin:health_clearance_changelist", "valid_until__year=9999"),
        ("admin:health_clearanceaccess_changelist", "at__year=9999"),
    ],
)
def test_a_year_out_of_range_is_the_admins_invalid_filter_answer(superuser_client, url, query):
    changelist = reverse(url.replace("_export", "_changelist"))
    response = superuser_client.get(f"{reverse(url)}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"


def test_every_date_hierarchy_refuses_year_9999_cleanly(superuser_client):
    """Whatever admin is added later, its date hierarchy cannot 500."""
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.date_hierarchy:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = superuser_client.get(f"{url}?{model_admin.date_hierarchy}__year=9999")
        assert response.status_code == 302, url
        assert response["Location"].endswith("?e=1"), url
        checked += 1
    assert checked >= 5


def test_every_registered_admin_uses_the_safe_changelist(rf):
    request = rf.get("/")
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, SafeFilterAdminMixin), model_admin
        assert issubclass(model_admin.get_changelist(request), SafeFilterChangeList)


def test_a_sensible_year_still_filters(superuser_client):
    response = superuser_client.get(
        reverse("admin:bookings_appointment_changelist") + "?start__year=2027"
    )
    assert response.status_code == 200
