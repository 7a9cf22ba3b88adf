"""A lost device is reset by a clinic manager only, and the reset is logged."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.twofactor.conftest import app_code, enrolled, verified_login
from twofactor import devices

pytestmark = pytest.mark.django_db

LIST = reverse("twofactor_reset:list")


def reset_url(user) -> str:
    return reverse("twofactor_reset:reset", args=[user.pk])


@pytest.fixture
def enrolled_therapist_user(therapist_user):
    """`therapist_user` with an authenticator app and recovery codes."""
    enrolled(therapist_user)
    devices.issue_recovery_codes(therapist_user)
    return therapist_user


def test_a_manager_resets_a_therapists_devices_and_it_is_logged(
    client, manager, enrolled_therapist_user
):
    verified_login(client, manager)
    assert LIST in client.get(reverse("admin:index")).content.decode()
    page = client.get(LIST)
    assert page.status_code == 200 and enrolled_therapist_user.username in page.content.decode()
    response = client.post(reset_url(enrolled_therapist_user))
    assert response.status_code == 302 and response["Location"] == LIST
    assert not TOTPDevice.objects.filter(user=enrolled_therapist_user).exists()
    assert not StaticDevice.objects.filter(user=enrolled_therapist_user).exists()
    entry = devices.resets_of(enrolled_therapist_user).get()
    assert (
        entry.user == manager
        and entry.object_id == str(enrolled_therapist_user.pk)
        and entry.action_time
    )
    assert f"by {manager.username}" in client.get(LIST).content.decode()
    # Aiko's next sign-in enrols again.
    client.logout()
    client.force_login(enrolled_therapist_user)
    step = client.get(client.get("/therapist/")["Location"])
    assert step["Location"].startswith(reverse("twofactor:enrol"))


def test_a_reset_ends_the_verified_sessions_of_the_device(client, manager, enrolled_therapist_user):
    from django.test import Client

    aikos_browser = Client()
    verified_login(aikos_browser, enrolled_therapist_user)
    assert aikos_browser.get("/therapist/").status_code == 200
    verified_login(client, manager)
    client.post(reset_url(enrolled_therapist_user))
    assert aikos_browser.get("/therapist/").status_code == 302


@pytest.mark.parametrize("who", ["desk", "therapist", "no_role"])
def test_others_are_refused_and_nothing_is_reset(client, people, enrolled_therapist_user, who):
    user = people[who]
    verified_login(client, user)
    if user.is_staff:
        assert LIST not in client.get(reverse("admin:index")).content.decode()
    assert client.get(LIST).status_code in (302, 403)
    response = client.post(reset_url(enrolled_therapist_user))
    assert response.status_code in (302, 403)
    if response.status_code == 302:  # a therapist is not staff: the admin's login
        assert response["Location"].startswith(reverse("admin:login"))
    assert TOTPDevice.objects.filter(user=enrolled_therapist_user).exists()
    assert not LogEntry.objects.exists()


def test_an_unverified_manager_is_sent_to_the_second_step(client, manager, enrolled_therapist_user):
    enrolled(manager)
    client.force_login(manager)
    response = client.post(reset_url(enrolled_therapist_user))
    assert response.status_code == 302 and response["Location"] == reverse("twofactor:start")
    assert TOTPDevice.objects.filter(user=enrolled_therapist_user).exists()


def test_anonymous_is_sent_to_the_admin_login(client, enrolled_therapist_user):
    response = client.post(reset_url(enrolled_therapist_user))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert TOTPDevice.objects.filter(user=enrolled_therapist_user).exists()


def test_a_get_does_not_reset_and_an_unknown_user_is_404(client, manager, enrolled_therapist_user):
    verified_login(client, manager)
    assert client.get(reset_url(enrolled_therapist_user)).status_code == 405
    assert client.post(reverse("twofactor_reset:reset", args=[999999])).status_code == 404
    assert TOTPDevice.objects.filter(user=enrolled_therapist_user).exists()


def test_a_manager_may_reset_their_own_and_enrol_again(client, manager):
    device = verified_login(client, manager)
    client.post(reset_url(manager))
    assert client.get("/admin/")["Location"].startswith("/two-factor/")
    assert app_code(device)  # the old key is gone from the database
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_only_a_superuser_resets_a_superuser(client, manager, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-long-enough")
    enrolled(root)
    verified_login(client, manager)
    assert client.post(reset_url(root)).status_code == 403
    assert TOTPDevice.objects.filter(user=root).exists()
    other = django_user_model.objects.create_superuser("root2", "r2@example.com", "pw-long-enough")
    client.logout()
    verified_login(client, other)
    assert client.post(reset_url(root)).status_code == 302
    assert not TOTPDevice.objects.filter(user=root).exists()
