"""The passkey (WebAuthn) endpoints: wired, open to the second step, and closed to whoever
holds only a password when a device already exists; no sign-in by passkey alone."""

import json

import pytest
from django.urls import reverse

from tests.twofactor.conftest import enrolled, verified_login

pytestmark = pytest.mark.django_db

REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")


def test_the_endpoints_live_under_two_factor():
    assert REGISTER_BEGIN == "/two-factor/passkey/registration/begin/"
    assert AUTH_COMPLETE == "/two-factor/passkey/authentication/complete/"


def test_a_new_user_may_register_a_first_passkey_for_this_site(client, therapist_user, settings):
    client.force_login(therapist_user)
    response = client.post(REGISTER_BEGIN)
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["id"] == settings.OTP_WEBAUTHN_RP_ID
    assert options["user"]["name"] == therapist_user.username


def test_a_password_alone_cannot_add_a_passkey_next_to_an_app(client, therapist_user):
    enrolled(therapist_user)
    client.force_login(therapist_user)
    response = client.post(REGISTER_BEGIN)
    assert response.status_code == 403 and response.json()["code"] == "user_not_verified"


def test_a_verified_user_may_add_a_passkey(client, therapist_user):
    verified_login(client, therapist_user)
    assert client.post(REGISTER_BEGIN).status_code == 200


def test_anonymous_visitors_cannot_register_or_sign_in_by_passkey_alone(client):
    assert client.post(REGISTER_BEGIN).status_code in (401, 403)
    response = client.post(AUTH_BEGIN)
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"


def test_forged_or_stateless_completions_are_clean_4xx(client, therapist_user):
    client.force_login(therapist_user)
    for url in (REGISTER_COMPLETE, AUTH_COMPLETE):
        response = client.post(url, data="{}", content_type="application/json")
        assert 400 <= response.status_code < 500
        response = client.post(url, data="not json", content_type="application/json")
        assert 400 <= response.status_code < 500
    client.post(AUTH_BEGIN)
    forged = {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}
    response = client.post(AUTH_COMPLETE, data=json.dumps(forged), content_type="application/json")
    assert 400 <= response.status_code < 500
    assert client.get("/therapist/").status_code == 302  # still not verified


def test_the_verify_page_offers_the_passkey_to_a_user_who_has_one(client, therapist_user):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.create(
        user=therapist_user, name="Laptop", confirmed=True, public_key=b"x", credential_id=b"y"
    )
    client.force_login(therapist_user)
    page = client.get(reverse("twofactor:verify")).content.decode()
    assert "passkey-verification-button" in page and "otp_webauthn_auth.js" in page
    assert "<script>" not in page  # CSP: no inline script (the config is a JSON data block)
