"""STAFF_REQUIRE_2FA: on in production, off in DEBUG; the old ADMIN_REQUIRE_2FA still read."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = ("STAFF_REQUIRE_2FA", "ADMIN_REQUIRE_2FA", "DEBUG")


def _setting(tmp_path, **environment) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NAMES}
    env.update(
        DJANGO_SETTINGS_MODULE="ashiatsu_clinic.settings",
        SECRET_KEY="x",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **environment,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.STAFF_REQUIRE_2FA,"
            " settings.OTP_WEBAUTHN_RP_ID, settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip(), result.stderr


@pytest.mark.parametrize(
    ("environment", "required"),
    [
        ({}, "True"),  # production
        ({"DEBUG": "true"}, "False"),
        ({"DEBUG": "true", "STAFF_REQUIRE_2FA": "true"}, "True"),
        ({"STAFF_REQUIRE_2FA": "false"}, "False"),
        ({"ADMIN_REQUIRE_2FA": "false"}, "False"),  # the old name, still honoured
        ({"ADMIN_REQUIRE_2FA": "false", "STAFF_REQUIRE_2FA": "true"}, "True"),
    ],
)
def test_the_requirement_follows_the_environment(tmp_path, environment, required):
    out, err = _setting(tmp_path, **environment)
    assert out.split()[0] == required
    deprecated = "ADMIN_REQUIRE_2FA is deprecated" in err
    assert deprecated == (
        "ADMIN_REQUIRE_2FA" in environment and "STAFF_REQUIRE_2FA" not in environment
    )


def test_passkeys_are_bound_to_the_sites_host(tmp_path):
    out, _ = _setting(tmp_path, SITE_URL="https://clinic.example.com")
    assert out.split(maxsplit=2)[1:] == ["clinic.example.com", "['https://clinic.example.com']"]
    out, _ = _setting(tmp_path, SITE_URL="http://127.0.0.1:8000")
    assert out.split(maxsplit=2)[1:] == ["localhost", "['http://localhost:8000']"]
