"""The deposit page runs Stripe.js (third-party code that can read the page's address and
content), so it is opened with a pay-only token and never sees the manage token, which can
move or cancel the booking. Walked as the client books on the web, then as an attacker
holding the pay token."""

import re

import pytest
from django.urls import reverse

from bookings.models import Appointment, AppointmentStatus
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import go_through
from tests.payments.test_views import held

pytestmark = pytest.mark.django_db

THIRD_PARTY_SCRIPT = re.compile(r'<script[^>]+src="https?://', re.IGNORECASE)


def loads_third_party_js(response) -> bool:
    csp = response.headers.get("Content-Security-Policy", "")
    return bool(THIRD_PARTY_SCRIPT.search(response.text)) or "js.stripe.com" in csp


def test_booking_on_the_web_never_puts_the_manage_token_where_stripe_js_runs(
    client, clinic_with_deposits, stripe_on
):
    booked = go_through(client, local_time(3, 10))
    assert booked.status_code == 302
    manage_url = booked["Location"]
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT
    token = manage_url.split("?")[0].rstrip("/").rsplit("/", 1)[1]
    assert appointment.manage_token_matches(token)

    manage = client.get(manage_url)
    assert manage.status_code == 200 and not loads_third_party_js(manage)
    (pay_url,) = re.findall(r'href="(/pay/[^"]+)"', manage.text)
    assert token not in pay_url

    pay = client.get(pay_url)
    assert pay.status_code == 200 and loads_third_party_js(pay)
    assert token not in pay.text and token not in pay_url

    paid = client.post(pay_url, {"payment_method": "pm_card_visa"}, follow=True)
    assert paid.status_code == 200 and "your deposit is paid" in paid.text
    for url, _status in paid.redirect_chain:
        assert token not in url
    assert token not in paid.text and not loads_third_party_js(paid)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_the_pay_token_cannot_see_move_or_cancel_the_booking(
    client, clinic_with_deposits, stripe_on
):
    booked = held(clinic_with_deposits)
    appointment = booked.appointment
    pay_token = appointment.pay_token
    ref = appointment.reference
    assert client.get(reverse("bookings:manage", args=[ref, pay_token])).status_code == 404
    assert client.post(reverse("bookings:manage_cancel", args=[ref, pay_token])).status_code in (
        404,
        405,
    )
    api = client.post(
        f"/api/bookings/{ref}/cancel", {"token": pay_token}, content_type="application/json"
    )
    assert api.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.AWAITING_DEPOSIT


def test_the_manage_token_or_another_bookings_pay_token_do_not_open_the_deposit_page(
    client, clinic_with_deposits, stripe_on
):
    booked = held(clinic_with_deposits)
    ref = booked.appointment.reference
    assert (
        client.get(reverse("payments:deposit", args=[ref, booked.manage_token])).status_code == 404
    )
    other = Appointment(reference="ZZZZ2222")
    assert client.get(reverse("payments:deposit", args=[ref, other.pay_token])).status_code == 404
    assert client.get(reverse("payments:deposit", args=[ref, "x"])).status_code == 404
    right = client.get(reverse("payments:deposit", args=[ref, booked.appointment.pay_token]))
    assert right.status_code == 200
