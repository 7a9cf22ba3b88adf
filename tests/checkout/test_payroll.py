"""The payroll report against a fixture computed by hand: money from the ledger (not list
prices), tips apart, commission by the most specific rate, refunds subtracted."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings.services import ClientDetails, booking_create
from checkout import services
from checkout.models import CommissionRate
from checkout.payroll import payroll, takings_by_method
from core.clock import clinic_today
from health.screening import clear_answers
from payments import ledger as payments_ledger
from payments.models import Method, Payment, PaymentKind
from payments.services import payment_refund
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def pay_period(paid_booking, taxed_clinic, front_desk):
    """By hand (all money today):
    Aiko (therapists[0]), bar $120: deposit $30 by card; code 10 %, tax 8.875 % of 108 = 9.59;
    rest 87.59 cash; tip 18 % = 21.60 cash. Taken 117.59, tax 9.59, base 108.00, her own
    rate 40 % → 43.20. A $50 desk payment for another of her bookings, 8 days ago, is outside.
    Ben (therapists[1]), bar $120 booked by staff (no deposit): tax 10.65, 130.65 on the
    terminal, no rate of his own: the bar service's 35 % of 120.00 → 42.00. His floor
    session: 120.00 cash and a 10.00 tip, then the 120.00 refunded (a complaint): taken 0,
    his floor rate 50 % → 0; the tip stays his. Ben: taken 130.65, commission 42.00,
    tips 10.00."""
    aiko, ben = taxed_clinic.therapists
    CommissionRate.objects.create(therapist=aiko, percent=Decimal("40"))
    CommissionRate.objects.create(service=taxed_clinic.bar_60, percent=Decimal("35"))
    CommissionRate.objects.create(
        therapist=ben, service=taxed_clinic.floor_60, percent=Decimal("50")
    )

    def staff_booking(service, hour, therapist=ben):
        return booking_create(
            service=service,
            therapist=therapist,
            start=local_time(3, hour),
            client=ClientDetails(name="Kai", email="kai@example.com", phone="+1 212 555 0101"),
            answers=clear_answers(),
            actor=front_desk,
        ).appointment

    with time_machine.travel(timezone.now() - dt.timedelta(days=8)):
        payments_ledger.desk_payment_record(
            amount_cents=5000,
            method=Method.CASH,
            actor=front_desk,
            appointment=staff_booking(taxed_clinic.bar_60, 15, therapist=aiko),
        )
    services.checkout_update(appointment=paid_booking, tip_cents=2160, code="TENOFF")
    services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=front_desk)
    bar = staff_booking(taxed_clinic.bar_60, 10)
    services.checkout_take(appointment=bar, method=Method.CARD_TERMINAL, actor=front_desk)
    floor = staff_booking(taxed_clinic.floor_60, 13)
    services.checkout_update(appointment=floor, tip_cents=1000)
    services.checkout_take(appointment=floor, method=Method.CASH, actor=front_desk)
    sold = Payment.objects.get(appointment=floor, kind=PaymentKind.CHECKOUT)
    assert payment_refund(payment=sold, reason="complaint", actor=front_desk) == 12000
    return aiko, ben


def test_the_figures_equal_the_hand_computed_fixture(pay_period):
    today = clinic_today()
    aiko, ben = pay_period
    rows = {row.therapist: row for row in payroll(today, today)}
    aiko_row, ben_row = rows[aiko.display_name], rows[ben.display_name]
    (aiko_bar,) = aiko_row.services
    assert aiko_bar.by_method == {Method.STRIPE: 3000, Method.CASH: 8759}
    assert (aiko_bar.taken_cents, aiko_bar.tax_cents, aiko_bar.rate) == (11759, 959, 40)
    assert (aiko_row.commission_cents, aiko_row.tips_cents, aiko_row.pay_cents) == (
        4320,
        2160,
        6480,
    )
    ben_bar, ben_floor = sorted(ben_row.services, key=lambda s: s.rate)
    assert ben_bar.by_method == {Method.CARD_TERMINAL: 13065}
    assert (ben_bar.tax_cents, ben_bar.rate, ben_bar.commission_cents) == (1065, 35, 4200)
    assert ben_floor.by_method == {Method.CASH: 0}
    assert (ben_floor.rate, ben_floor.commission_cents) == (50, 0)
    assert (ben_row.taken_cents, ben_row.commission_cents, ben_row.tips_cents) == (
        13065,
        4200,
        1000,
    )
    # Eight days ago: only the $50 desk payment.
    week_ago = today - dt.timedelta(days=8)
    (old,) = payroll(week_ago, week_ago)
    assert (old.taken_cents, old.tips_cents) == (5000, 0)


def test_the_digest_takings_keep_tips_apart(pay_period):
    today = clinic_today()
    assert takings_by_method(today, today) == {
        Method.STRIPE: 3000,
        Method.CASH: 8759 + 12000 - 12000,
        Method.CARD_TERMINAL: 13065,
        "tip": 3160,
    }


def test_the_page_and_the_csv_show_the_same_figures(client, manager, pay_period):
    client.force_login(manager)
    today = clinic_today().isoformat()
    page = client.get(reverse("checkout:payroll"), {"start": today, "end": today})
    assert page.status_code == 200
    assert b"$64.80" in page.content and b"$52.00" in page.content  # to pay: Aiko, Ben
    response = client.get(reverse("checkout:payroll_csv"), {"start": today, "end": today})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    totals = {row[0]: row for row in rows[1:] if row[1] == "all"}
    aiko, ben = (t.display_name for t in pay_period)
    assert totals[aiko][3:] == ["117.59", "", "", "43.20", "21.60"]
    assert totals[ben][3:] == ["130.65", "", "", "42.00", "10.00"]


def test_csv_cells_are_formula_safe(client, manager, pay_period):
    aiko, _ben = pay_period
    aiko.display_name = "=HYPERLINK(1)"
    aiko.save(update_fields=["display_name"])
    client.force_login(manager)
    today = clinic_today().isoformat()
    response = client.get(reverse("checkout:payroll_csv"), {"start": today, "end": today})
    assert b"\n=HYPERLINK" not in response.content and b"'=HYPERLINK(1)" in response.content


def test_the_weekly_digest_shows_last_weeks_takings(pay_period):
    from ashiatsu_clinic.digest import headlines

    next_monday = clinic_today() + dt.timedelta(days=7 - clinic_today().weekday())
    lines = dict(headlines(next_monday))
    assert lines["Money taken (card online, cash, terminal)"] == "$248.24"  # 30+87.59+130.65
    assert lines["Tips (the therapists')"] == "$31.60"
