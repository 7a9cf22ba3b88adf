"""Production settings, headers, login protection and rate limits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.bookings.clinic import build_clinic
from tests.factories import TherapistFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "FIELD_ENCRYPTION_KEYS": "cHJvZC10ZXN0LWZpZWxkLWtleS0zMi1ieXRlcy14eCE=",
    "ALLOWED_HOSTS": "clinic.example.com",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
    "DATABASE_URL": "postgres://clinic@db.example.com:5432/clinic",
}


def _deploy_check(**environment: str) -> subprocess.CompletedProcess:
    test_only = {
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "TASKS_BACKEND",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in test_only}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_deploy_check_passes_with_production_settings():
    result = _deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_refuses_a_development_mail_backend():
    result = _deploy_check(**{**PRODUCTION, "EMAIL_URL": "consolemail://"})
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr


def test_the_deploy_check_refuses_the_public_demo_field_encryption_key(settings):
    demo = settings.FIELD_ENCRYPTION_DEMO_KEY
    result = _deploy_check(**{**PRODUCTION, "FIELD_ENCRYPTION_KEYS": demo})
    assert result.returncode != 0
    assert "core.E001" in result.stdout + result.stderr


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "template_dir", ["templates/bookings", "templates/therapists", "templates"]
)
def test_templates_use_no_inline_scripts_or_styles(template_dir):
    for path in (ROOT / template_dir).glob("*.html"):
        text = path.read_text()
        assert 'style="' not in text, path
        assert "<script>" not in text and "<style" not in text, path


def test_a_session_ends_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_repeated_wrong_passwords_cool_off_the_login(client, settings):
    therapist = TherapistFactory()
    url = reverse("therapists:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": therapist.user.username, "password": "wrong"})
    locked = client.post(
        url, {"username": therapist.user.username, "password": "correct-horse-battery"}
    )
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()


def test_the_right_password_still_works_before_the_limit(client):
    therapist = TherapistFactory()
    url = reverse("therapists:login")
    client.post(url, {"username": therapist.user.username, "password": "wrong"})
    response = client.post(
        url, {"username": therapist.user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_manage_links_are_rate_limited_per_address(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.MANAGE_LINK_RATE = "3/m"
    url = reverse("bookings:manage", args=["ABCDEFGH", "x" * 43])
    statuses = [client.get(url).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_booking_attempts_are_rate_limited_on_the_api(client, settings):
    build_clinic(therapists=1, bar_rooms=1)
    settings.RATELIMIT_ENABLE = True
    settings.BOOKING_RATE = "2/m"
    statuses = [
        client.post("/api/bookings", "{}", content_type="application/json").status_code
        for _ in range(4)
    ]
    assert statuses[:2] == [422, 422] and statuses[2:] == [429, 429]
