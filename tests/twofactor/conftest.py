"""Two-factor on, as in production, and the helpers to enrol and verify like a user does."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_REQUIRE_2FA = True


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` 30-second steps later:
    django-otp accepts one step of clock drift and refuses a code already used)."""
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.drift = steps_ahead
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def verified_login(client, user) -> TOTPDevice:
    """Sign in with password (force_login) and pass the second factor with an app code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)
    client.force_login(user)
    response = client.post(reverse("twofactor:verify"), {"code": app_code(device)})
    assert response.status_code == 302, response.content.decode()
    return device
