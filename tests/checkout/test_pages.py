"""The checkout pages: who may open them (front desk, manager, therapist, a staff login with
no role, anonymous), bad input answered with a message and a 4xx, and the client's tip link
(this booking only, amounts checked on the server)."""

import pytest
from django.core import mail
from django.urls import reverse

from checkout import services
from checkout.models import CommissionRate
from checkout.receipts import tip_url
from core.tokens import purpose_token
from payments.models import LedgerEntry, LedgerKind, Method, Payment, PaymentKind
from tests.checkout.conftest import book_paid

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def status_as(client, user, url, method="get", data=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
    if response.status_code == 302:
        return "login" if response["Location"].startswith(LOGIN) else 302
    return response.status_code


@pytest.fixture
def closed_checkout(paid_booking, front_desk):
    services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=front_desk)
    return paid_booking


def test_the_desk_page_is_the_front_desks_and_managers(client, people, paid_booking):
    url = reverse("checkout:desk", args=[paid_booking.reference])
    seen = {name: status_as(client, user, url) for name, user in people.items()}
    assert seen == {
        "desk": 200,
        "manager": 200,
        "therapist": "login",  # a therapist's login is not staff: the admin's login page
        "no_role": 403,
        "anonymous": "login",
    }
    posted = {
        name: status_as(client, user, url, "post", {"action": "take", "method": "cash"})
        for name, user in people.items()
        if name != "desk" and name != "manager"
    }
    assert posted == {"therapist": "login", "no_role": 403, "anonymous": "login"}
    assert not Payment.objects.filter(kind=PaymentKind.CHECKOUT).exists()


def test_the_desk_checks_out_through_the_page(client, front_desk, paid_booking):
    client.force_login(front_desk)
    url = reverse("checkout:desk", args=[paid_booking.reference])
    page = client.get(url)
    assert b"Take $100.65 and check out" in page.content  # 120 + 10.65 tax − 30
    response = client.post(
        url, {"action": "update", "tip": "", "code": "TENOFF", "tip_percent": "18"}
    )
    assert response.status_code == 302
    bill = services.bill_for(paid_booking)
    assert (bill.tip_cents, bill.owed_cents) == (2160, 10919)
    response = client.post(url, {"action": "take", "method": "card_terminal"})
    assert response.status_code == 302
    entries = LedgerEntry.objects.filter(appointment=paid_booking, method=Method.CARD_TERMINAL)
    assert sorted(e.amount_cents for e in entries) == [2160, 8759]
    page = client.get(url)
    assert b"Checked out" in page.content and b"Receipt (PDF)" in page.content
    pdf = client.get(reverse("checkout:receipt_pdf", args=[paid_booking.reference]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "update", "tip": "12,50"}, b"Please correct the tip"),
        ({"action": "update", "tip": "500"}, b"A tip is between"),
        ({"action": "update", "tip_percent": "99"}, b"Choose one of the suggested tips"),
        ({"action": "update", "code": "NOPE"}, b"No promo code matches"),
        ({"action": "take", "method": "stripe"}, b"Choose how the client pays"),
        ({"action": "take", "method": "card_on_file"}, b"saved for fees"),
        ({"action": "nothing"}, b"Unknown action"),
    ],
)
def test_bad_input_is_a_message_and_a_400(client, front_desk, paid_booking, data, message):
    client.force_login(front_desk)
    response = client.post(reverse("checkout:desk", args=[paid_booking.reference]), data)
    assert response.status_code == 400
    assert message in response.content


def test_an_unknown_booking_is_a_404(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("checkout:desk", args=["ZZZZZZZZ"])).status_code == 404
    assert client.get(reverse("checkout:desk", args=["bad!"])).status_code == 404


def test_payroll_is_for_managers_only(client, people, closed_checkout):
    url = reverse("checkout:payroll")
    csv_url = reverse("checkout:payroll_csv")
    seen = {
        name: (status_as(client, u, url), status_as(client, u, csv_url))
        for name, u in people.items()
    }
    assert seen == {
        "desk": (403, 403),
        "manager": (200, 200),
        "therapist": ("login", "login"),
        "no_role": (403, 403),
        "anonymous": ("login", "login"),
    }


def test_payroll_refuses_a_bad_period(client, manager):
    client.force_login(manager)
    url = reverse("checkout:payroll")
    assert client.get(url, {"start": "2026-02-10", "end": "2026-02-01"}).status_code == 400
    assert client.get(url, {"start": "nonsense", "end": "2026-02-01"}).status_code == 400
    assert client.get(url, {"start": "2020-01-01", "end": "2026-02-01"}).status_code == 400
    assert client.get(reverse("checkout:payroll_csv"), {"start": "x"}).status_code == 400


def test_the_receipt_offers_a_tip_when_none_was_given(paid_booking, front_desk, run_after_commit):
    mail.outbox.clear()
    run_after_commit(
        services.checkout_take, appointment=paid_booking, method=Method.CASH, actor=front_desk
    )
    (receipt,) = [m for m in mail.outbox if m.to == ["mei@example.com"]]
    assert tip_url(paid_booking) in receipt.body


class TestTheTipLink:
    def url(self, appointment, token=None):
        token = token or purpose_token("tip", appointment.reference)
        return reverse("checkout:tip", args=[appointment.reference, token])

    def test_the_link_is_for_that_booking_only(self, client, closed_checkout, taxed_clinic):
        other = book_paid(taxed_clinic, days=4)
        assert client.get(self.url(closed_checkout)).status_code == 200
        assert client.get(self.url(closed_checkout, token="forged")).status_code == 404
        other_token = purpose_token("tip", other.reference)
        assert client.get(self.url(closed_checkout, token=other_token)).status_code == 404
        # The deposit link's token is not a tip token.
        assert (
            client.get(self.url(closed_checkout, token=closed_checkout.pay_token)).status_code
            == 404
        )

    def test_a_tip_on_the_saved_card_goes_to_the_therapist_once(self, client, closed_checkout):
        url = self.url(closed_checkout)
        response = client.post(url, {"percent": "18", "card": "saved"})
        assert response.status_code == 302
        (tip,) = LedgerEntry.objects.filter(appointment=closed_checkout, kind=LedgerKind.TIP)
        assert (tip.amount_cents, tip.method) == (2160, Method.STRIPE)
        assert b"Your tip of $21.60 was received" in client.get(url).content
        client.post(url, {"percent": "20", "card": "saved"})
        assert LedgerEntry.objects.filter(kind=LedgerKind.TIP).count() == 1
        assert services.bill_for(closed_checkout).owed_cents == 0

    def test_a_custom_tip_on_a_new_card(self, client, closed_checkout):
        response = client.post(
            self.url(closed_checkout),
            {"custom": "7.50", "card": "new", "payment_method": "pm_card_visa"},
        )
        assert response.status_code == 302
        (tip,) = Payment.objects.filter(kind=PaymentKind.TIP)
        assert tip.amount_cents == 750 and tip.status == "succeeded"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"custom": "120.01", "card": "saved"}, b"between $0.01 and $120.00"),
            ({"custom": "-5", "card": "saved"}, b"Please check the tip"),
            ({"percent": "99", "card": "saved"}, b"Choose a tip or enter an amount"),
            ({"card": "saved"}, b"Choose a tip or enter an amount"),
            ({"percent": "18", "card": "new"}, b"Please enter your card details"),
            ({"percent": "18", "card": "stolen"}, b"Please check the tip"),
        ],
    )
    def test_amounts_are_checked_on_the_server(self, client, closed_checkout, data, message):
        response = client.post(self.url(closed_checkout), data)
        assert response.status_code == 400
        assert message in response.content
        assert not Payment.objects.filter(kind=PaymentKind.TIP).exists()

    def test_no_tip_before_checkout(self, client, paid_booking):
        response = client.post(self.url(paid_booking), {"percent": "18", "card": "saved"})
        assert response.status_code == 200 and b"cannot take a tip online" in response.content
        assert not Payment.objects.filter(kind=PaymentKind.TIP).exists()


def test_commission_rate_constraint_needs_someone(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        CommissionRate.objects.create(percent=10)


def test_the_days_takings_show_the_tips_apart(client, front_desk, paid_booking):
    services.checkout_update(appointment=paid_booking, tip_cents=2160)
    services.checkout_take(appointment=paid_booking, method=Method.CASH, actor=front_desk)
    client.force_login(front_desk)
    page = client.get(reverse("payments:day"))
    assert b"of which tips" in page.content and b"$21.60" in page.content


def test_the_receipt_pdf_is_the_front_desks_and_managers(client, people, closed_checkout):
    url = reverse("checkout:receipt_pdf", args=[closed_checkout.reference])
    seen = {name: status_as(client, user, url) for name, user in people.items()}
    assert seen == {
        "desk": 200,
        "manager": 200,
        "therapist": "login",
        "no_role": 403,
        "anonymous": "login",
    }


def test_an_open_bill_has_no_receipt_yet(client, front_desk, paid_booking):
    client.force_login(front_desk)
    url = reverse("checkout:receipt_pdf", args=[paid_booking.reference])
    assert client.get(url).status_code == 404


def test_managers_set_codes_taxes_and_commissions_the_desk_only_reads_codes(
    client, people, taxed_clinic
):
    pages = {
        "codes": reverse("admin:checkout_promocode_add"),
        "taxes": reverse("admin:checkout_servicetax_add"),
        "commissions": reverse("admin:checkout_commissionrate_changelist"),
        "code list": reverse("admin:checkout_promocode_changelist"),
    }
    seen = {
        name: {page: status_as(client, user, url) for page, url in pages.items()}
        for name, user in people.items()
        if name in ("desk", "manager", "no_role")
    }
    assert seen == {
        "desk": {"codes": 403, "taxes": 403, "commissions": 403, "code list": 200},
        "manager": {"codes": 200, "taxes": 200, "commissions": 200, "code list": 200},
        "no_role": {"codes": 403, "taxes": 403, "commissions": 403, "code list": 403},
    }
