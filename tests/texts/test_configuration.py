"""Texts configured by halves stop start-up with one clear line; none set: texts are off."""

import pytest

from tests.test_configuration import _start

SID = "AC" + "1" * 32


@pytest.mark.parametrize(
    "environment",
    [
        {"TWILIO_ACCOUNT_SID": SID},
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "t"},
        {"TWILIO_FROM": "+15005550006"},
    ],
)
def test_a_half_set_twilio_configuration_refuses_to_start(environment):
    result = _start(SECRET_KEY="x", **environment)
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ")
    assert "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_unknown_phone_region_refuses_to_start():
    result = _start(SECRET_KEY="x", CLINIC_PHONE_REGION="XX")
    assert result.returncode == 2
    assert "CLINIC_PHONE_REGION" in result.stderr and result.stderr.count("\n") == 1


def test_a_sender_that_is_neither_a_number_nor_a_messaging_service_fails_the_check():
    result = _start(
        SECRET_KEY="x", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN="t", TWILIO_FROM="clinic"
    )
    assert result.returncode != 0
    assert "texts.E001" in result.stderr


def test_fully_configured_starts():
    result = _start(
        SECRET_KEY="x", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN="t", TWILIO_FROM="MG" + "2" * 32
    )
    assert result.returncode == 0, result.stderr
