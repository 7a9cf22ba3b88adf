"""Payments tests run against localstripe, a Stripe-compatible server, through the same
`stripe` client code as production (only the API base URL differs)."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core import mail

from payments.models import DepositKind, PaymentPolicy
from tests.bookings.clinic import build_clinic

WEBHOOK_SECRET = "whsec_test_only"
SECRET_KEY = "sk_test_localstripe"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """Start localstripe once for the session on a free port and wait until it answers."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).with_name("localstripe_server.py")), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_on(settings, localstripe_url):
    """Payments configured as in production, pointed at localstripe."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    settings.PAYMENTS_ENABLED = True
    return localstripe_url


@pytest.fixture
def clinic_with_deposits(db):
    clinic = build_clinic()
    # $120 bar session: 25 % deposit ($30), no-show fee $80, late-cancellation fee $50.
    PaymentPolicy.objects.create(
        service=clinic.bar_60,
        deposit_kind=DepositKind.PERCENT,
        deposit_value=25,
        no_show_fee_cents=8000,
        late_cancel_fee_cents=5000,
    )
    return clinic


def to(address: str):
    return [m for m in mail.outbox if m.to == [address]]


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, computed as Stripe (and localstripe) do."""
    timestamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def localstripe_events(url: str, type_: str) -> list[dict]:
    """Events localstripe recorded (newest first), as raw JSON, as it would deliver them."""
    request = urllib.request.Request(  # noqa: S310 - our own localstripe on 127.0.0.1
        f"{url}/v1/events?limit=100", headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        events = json.load(response)["data"]
    return [event for event in events if event["type"] == type_]
