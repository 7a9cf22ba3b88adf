"""A NUL in a query string reached PostgreSQL through every admin list filter (a 500 on
each); now every page's address with one is a clear 400 (the API names the field, 422)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/bookings/appointment/?status__exact=%00",
        "/admin/health/intake/?outcome__exact=a%00b",
        "/admin/outbox/email/?status__exact=%00",
        "/admin/therapists/credential/?kind__exact=%00",
        "/admin/clients/client/?q=%00",
        "/admin/bookings/appointment/?%00=1",
    ],
)
def test_an_admin_list_filtered_by_a_nul_is_a_400(client, signed_in_superuser_manager, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.text


def test_public_pages_and_anonymous_visitors_get_the_same_400(client):
    assert client.get("/waitlist/?service=%00").status_code == 400
    assert client.get("/admin/bookings/appointment/?status__exact=%00").status_code == 400


def test_the_api_keeps_its_own_422_naming_the_field(client, db):
    response = client.get("/api/availability?service=%00")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"service"}


def test_addresses_without_nul_are_untouched(client, signed_in_superuser_manager):
    assert client.get("/admin/bookings/appointment/?status__exact=confirmed").status_code == 200
    assert client.get("/api/services").status_code == 200
