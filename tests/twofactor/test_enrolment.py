"""Self-service enrolment at first sign-in, the verify step, recovery codes (single use)."""

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.twofactor.conftest import app_code, enrolled

pytestmark = pytest.mark.django_db

ENROL = reverse("twofactor:enrol")
VERIFY = reverse("twofactor:verify")
CODES = reverse("twofactor:recovery_codes")


def _secret_on(page: str) -> bytes:
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    raw = secret.replace(" ", "")
    return base64.b32decode(raw + "=" * (-len(raw) % 8))


def _codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def test_first_sign_in_enrols_an_app_and_shows_recovery_codes_once(client, therapist_user, request):
    client.force_login(therapist_user)
    page = client.get(ENROL + "?next=/therapist/")
    text = page.content.decode()
    assert page.status_code == 200 and "<svg" in text and "Register a passkey" in text
    assert page["Cache-Control"].startswith("max-age=0")
    device = TOTPDevice.objects.get(user=therapist_user, confirmed=False)
    assert _secret_on(text) == device.bin_key
    # The same pending device (and QR code) on a reload.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=therapist_user).count() == 1

    wrong = client.post(ENROL, {"code": "000000" if app_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "not the one your app shows" in wrong.content.decode()
    assert client.get("/therapist/").status_code == 302
    # Right after a wrong code even the right one waits (django-otp's throttle) ...
    throttled = client.post(ENROL, {"code": app_code(device)})
    assert "wait a few seconds" in throttled.content.decode()

    # ... and is accepted a few seconds later.
    traveller = time_machine.travel(dt.timedelta(seconds=3), tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)
    done = client.post(ENROL + "?next=/therapist/", {"code": app_code(device)})
    assert done.status_code == 302 and done["Location"].startswith(CODES)
    device.refresh_from_db()
    assert device.confirmed
    shown = client.get(done["Location"])
    codes = _codes_on(shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/therapist/"' in shown.content.decode()
    assert client.get("/therapist/").status_code == 200
    # Shown once: the next visit tells how many are left, never the codes.
    again = client.get(CODES).content.decode()
    assert _codes_on(again) == [] and "10 unused recovery codes" in again


def test_a_returning_user_verifies_with_the_app_code(client, therapist_user):
    device = enrolled(therapist_user)
    client.force_login(therapist_user)
    page = client.get(VERIFY + "?next=/therapist/")
    assert page.status_code == 200 and "Use your passkey" not in page.content.decode()
    before = client.session.session_key
    response = client.post(VERIFY + "?next=/therapist/", {"code": app_code(device)})
    assert response.status_code == 302 and response["Location"] == "/therapist/"
    assert client.get("/therapist/").status_code == 200
    # A new session id once verified: one seen before the second step opens nothing.
    assert client.session.session_key != before


def test_a_code_cannot_be_replayed_in_another_session(client, therapist_user, django_user_model):
    device = enrolled(therapist_user)
    code = app_code(device)
    client.force_login(therapist_user)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    client.force_login(therapist_user)
    assert client.post(VERIFY, {"code": code}).status_code == 200  # refused: already used


def test_a_recovery_code_works_once(client, therapist_user):
    device = enrolled(therapist_user)
    client.force_login(therapist_user)
    client.post(VERIFY, {"code": app_code(device)})
    codes = _codes_on(client.get(CODES).content.decode())
    client.logout()

    client.force_login(therapist_user)
    used = client.post(VERIFY + "?next=/therapist/", {"code": codes[0].upper().replace("-", " ")})
    assert used.status_code == 302 and used["Location"] == "/therapist/"
    assert client.get("/therapist/").status_code == 200
    assert StaticToken.objects.filter(device__user=therapist_user).count() == 9
    client.logout()

    client.force_login(therapist_user)
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and "not accepted" in again.content.decode()
    assert client.get("/therapist/").status_code == 302


def test_a_password_alone_cannot_add_a_device_next_to_an_existing_one(client, therapist_user):
    enrolled(therapist_user)
    client.force_login(therapist_user)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=therapist_user, confirmed=False).exists()
    assert client.get(CODES)["Location"].startswith(reverse("twofactor:start"))
    assert not StaticToken.objects.filter(device__user=therapist_user).exists()


def test_next_never_leaves_the_site(client, therapist_user):
    device = enrolled(therapist_user)
    client.force_login(therapist_user)
    response = client.post(VERIFY + "?next=https://evil.example/x", {"code": app_code(device)})
    assert response["Location"] == "/therapist/"


def test_staff_land_on_the_admin(client, front_desk):
    device = enrolled(front_desk)
    client.force_login(front_desk)
    response = client.post(VERIFY, {"code": app_code(device)})
    assert response["Location"] == reverse("admin:index")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (ENROL, VERIFY, CODES, reverse("twofactor:start")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("therapists:login")


def test_an_overlong_or_junk_code_is_a_form_error_not_a_500(client, therapist_user):
    enrolled(therapist_user)
    client.force_login(therapist_user)
    for junk in ("x" * 500, "\x00", "' OR 1=1 --", ""):
        assert client.post(VERIFY, {"code": junk}).status_code == 200
        assert client.post(ENROL, {"code": junk}).status_code in (200, 302)
