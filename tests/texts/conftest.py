"""Texts tests talk through the `twilio` library to a Twilio-compatible server on 127.0.0.1
(tests/texts/twilio_server.py); only the API base URL differs from production."""

import pytest
from twilio.request_validator import RequestValidator

from tests.texts.twilio_server import TwilioServer

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-only-twilio-auth-token"
FROM = "+15005550006"
MOBILE = "+1 212 555 0142"
MOBILE_E164 = "+12125550142"
INBOUND = "http://testserver/texts/twilio/inbound/"
STATUS = "http://testserver/texts/twilio/status/"


@pytest.fixture
def twilio():
    with TwilioServer(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def texts_on(settings, twilio):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = FROM
    settings.TWILIO_API_BASE = twilio.url
    settings.TEXTS_ENABLED = True
    settings.SITE_URL = "http://testserver"
    return twilio


def signed(url: str, params: dict, token: str = AUTH_TOKEN) -> dict:
    return {"HTTP_X_TWILIO_SIGNATURE": RequestValidator(token).compute_signature(url, params)}


def reply(client, body: str, *, sid: str, number: str = MOBILE_E164, token: str = AUTH_TOKEN):
    """The client texts the clinic: Twilio's inbound webhook, signed as Twilio signs it."""
    params = {"MessageSid": sid, "From": number, "To": FROM, "Body": body}
    return client.post(INBOUND, params, **signed(INBOUND, params, token))
