"""localstripe itself delivers a signed webhook to the running app, over HTTP."""

import time
import urllib.parse
import urllib.request

import pytest

from bookings.models import AppointmentStatus
from payments.models import Payment, PaymentStatus, StripeEvent
from tests.payments.conftest import SECRET_KEY, WEBHOOK_SECRET
from tests.payments.test_views import WEBHOOK, _deposit_paid_at_stripe_only

pytestmark = pytest.mark.django_db(transaction=True)


def _configure_webhook(localstripe: str, url: str) -> None:
    data = urllib.parse.urlencode(
        {"url": url, "secret": WEBHOOK_SECRET, "events[]": "payment_intent.succeeded"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own localstripe on 127.0.0.1
        f"{localstripe}/_config/webhooks/ashiatsu-tests",
        data=data,
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


@pytest.fixture
def delivering(stripe_on, live_server):
    _configure_webhook(stripe_on, live_server.url + WEBHOOK)
    yield
    # Later tests' events must not reach this server (nor its database): point it nowhere and
    # let deliveries already scheduled (localstripe waits 1 s) go there.
    _configure_webhook(stripe_on, "http://127.0.0.1:9/")
    time.sleep(1.5)


def test_a_payment_the_page_never_confirmed_is_confirmed_by_stripes_webhook(
    delivering, clinic_with_deposits
):
    booked, payment = _deposit_paid_at_stripe_only(clinic_with_deposits)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.status == PaymentStatus.SUCCEEDED:
            break
        time.sleep(0.2)
    assert payment.status == PaymentStatus.SUCCEEDED
    booked.appointment.refresh_from_db()
    assert booked.appointment.status == AppointmentStatus.CONFIRMED
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").count() == 1
    assert Payment.objects.count() == 1
