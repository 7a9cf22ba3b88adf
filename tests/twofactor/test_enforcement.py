"""A session that passed its password but not its second factor opens no page with health
data or money, for every role; clients and anonymous visitors are not asked for one."""

import pytest
from django.urls import reverse

from tests.factories import ClientFactory
from tests.twofactor.conftest import enrolled, verified_login

pytestmark = pytest.mark.django_db

PROTECTED = [
    "/therapist/",
    "/admin/",
    "/admin/bookings/appointment/",
    "/admin/reports/",
    "/staff/money/",
    "/staff/money/ledger.csv",
    "/clearances/1/letter/",
    "/admin/two-factor/",
]


@pytest.fixture
def users(clinic, front_desk, manager):
    return {"therapist": clinic.therapists[0].user, "desk": front_desk, "manager": manager}


@pytest.mark.parametrize("role", ["therapist", "desk", "manager"])
@pytest.mark.parametrize("path", PROTECTED)
def test_a_password_only_session_is_sent_to_the_second_step(client, users, role, path):
    client.force_login(users[role])
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor:start") + "?next=")
    # And the step sends a user with no device to enrolment, with a device to verification.
    step = client.get(response["Location"])
    assert step["Location"].startswith(reverse("twofactor:enrol"))
    enrolled(users[role])
    step = client.get(response["Location"])
    assert step["Location"].startswith(reverse("twofactor:verify"))


@pytest.mark.parametrize("role", ["therapist", "desk", "manager"])
def test_a_post_to_a_money_page_is_refused_too(client, users, role, clinic):
    client.force_login(users[role])
    response = client.post("/staff/money/gift-cards/sell/", {"amount": "50"})
    assert response.status_code == 302
    assert response["Location"] == reverse("twofactor:start")


def test_once_verified_each_role_reaches_its_pages(client, users):
    verified_login(client, users["therapist"])
    assert client.get("/therapist/").status_code == 200
    client.logout()
    verified_login(client, users["desk"])
    assert client.get("/staff/money/").status_code == 200
    assert client.get("/admin/").status_code == 200
    client.logout()
    verified_login(client, users["manager"])
    assert client.get("/admin/reports/").status_code == 200


def test_with_two_factor_off_a_password_is_enough(client, users, settings):
    settings.STAFF_REQUIRE_2FA = False
    client.force_login(users["desk"])
    assert client.get("/staff/money/").status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
def test_anonymous_visitors_get_the_login_not_the_second_step(client, path):
    response = client.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert not response["Location"].startswith("/two-factor/")


def test_a_signed_in_client_is_never_asked_for_a_second_factor(client):
    record = ClientFactory()
    session = client.session
    session["account_client"] = {"id": record.pk, "email": record.email.lower()}
    session.save()
    assert client.get("/account/").status_code == 200
    response = client.get("/therapist/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("therapists:login"))
    assert client.get("/staff/money/")["Location"].startswith(reverse("admin:login"))


def test_a_half_signed_in_session_may_still_sign_out_or_sign_in_again(client, users):
    client.force_login(users["therapist"])
    assert client.get(reverse("therapists:login")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
    response = client.post(reverse("therapists:logout"))
    assert response.status_code == 302
    assert client.get("/therapist/")["Location"].startswith(reverse("therapists:login"))


def test_the_admin_itself_refuses_an_unverified_session(rf, users):
    """Defence in depth: even without the middleware, the admin treats the session as not
    staff (money and report pages go through its `admin_view`)."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = users["manager"]
    request.user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)
