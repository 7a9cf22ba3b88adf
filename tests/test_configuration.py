"""Bad configuration stops start-up with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _start(*, without: frozenset[str] = frozenset(), **environment: str):
    unset = {"SECRET_KEY", "DEBUG", "DATABASE_URL", *without}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "x", "DATABASE_URL": "not a url at all"}, "DATABASE_URL"),
        ({"SECRET_KEY": "x", "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"SECRET_KEY": "x", "CLINIC_TIME_ZONE": "Mars/Olympus"}, "CLINIC_TIME_ZONE"),
        ({"SECRET_KEY": "x", "DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"SECRET_KEY": "x", "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL"),
        ({"SECRET_KEY": "x", "STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_WEBHOOK_SECRET"),
        ({"SECRET_KEY": "x", "FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS is not set"),
        ({"SECRET_KEY": "x", "FIELD_ENCRYPTION_KEYS": "hunter2"}, "key 1 is not a base64url"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_clear_message(environment, message):
    result = _start(**environment)
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_debug_mode_starts_without_a_secret_key(tmp_path):
    result = _start(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr


def test_production_without_email_url_stops_start_up_instead_of_logging_mail():
    """Without EMAIL_URL mail went to the console: manage links in the server's logs."""
    result = _start(without=frozenset({"EMAIL_URL"}), SECRET_KEY="x")
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: EMAIL_URL is not set")
    assert result.stderr.count("\n") == 1


def test_debug_mode_without_email_url_prints_mail_to_the_console(tmp_path):
    result = _start(
        without=frozenset({"EMAIL_URL"}),
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr


def test_without_stripe_keys_the_clinic_starts_and_asks_for_no_payment(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         " print(settings.PAYMENTS_ENABLED)"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ashiatsu_clinic.settings", "DEBUG": "true",
             "STRIPE_SECRET_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
