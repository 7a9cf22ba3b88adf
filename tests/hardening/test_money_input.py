"""Money as staff type it is read strictly (`core.amounts`): "12,50" and "1e3" are refused
with a message that says what to type, on the desk pages and in the admin, and nothing is
recorded; plain amounts still work."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import Service
from bookings.roles import FRONT_DESK
from core.amounts import NO_COMMAS, TOO_PRECISE, AmountError, parse_amount
from payments.models import LedgerEntry, PackagePlan, PaymentPolicy
from tests.factories import AppointmentFactory
from tests.people import staff_member


@pytest.mark.parametrize(
    "text,cents",
    [("45", 4500), ("45.5", 4550), ("45.50", 4550), ("$45.50", 4550), (".50", 50),
     (" 12.34 ", 1234), ("100000", 100_000_00)],
)  # fmt: skip
def test_plain_amounts_are_read_as_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    "text,message",
    [("12,50", NO_COMMAS), ("1,250.00", NO_COMMAS), ("12.505", TOO_PRECISE)],
)
def test_ambiguous_amounts_are_refused_with_what_to_type(text, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert refused.value.message == message


@pytest.mark.parametrize(
    "text",
    ["1e3", "1E3", "1_000", "Infinity", "NaN", "١٢", "-5", "+5", "0", "0.00", "", "$", "45.",
     "100000.01", "12 50", "0x10", "1.2.3"],
)  # fmt: skip
def test_numbers_that_are_not_typed_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_zero_is_an_amount_only_where_asked():
    assert parse_amount("0", allow_zero=True) == 0


@pytest.mark.django_db
class TestDeskPages:
    @pytest.fixture
    def appointment(self):
        return AppointmentFactory()

    def desk_url(self, appointment):
        return reverse("payments:desk_payment", args=[appointment.reference])

    @pytest.mark.parametrize("typed", ["12,50", "1e3", "1_000"])
    def test_a_desk_payment_of_an_ambiguous_amount_is_refused_and_records_nothing(
        self, client, appointment, typed
    ):
        client.force_login(staff_member("desk", FRONT_DESK))
        response = client.post(self.desk_url(appointment), {"amount": typed, "method": "cash"})
        assert response.status_code == 400
        assert not LedgerEntry.objects.exists()
        if "," in typed:
            assert "without commas" in response.text

    def test_a_plain_desk_payment_is_recorded_to_the_cent(self, client, appointment):
        client.force_login(staff_member("desk", FRONT_DESK))
        response = client.post(self.desk_url(appointment), {"amount": "12.50", "method": "cash"})
        assert response.status_code == 302
        assert LedgerEntry.objects.get().amount_cents == 1250

    def test_a_gift_card_of_12_comma_50_is_not_sold(self, client):
        client.force_login(staff_member("desk", FRONT_DESK))
        response = client.post(
            reverse("payments:gift_card_issue"),
            {"amount": "12,50", "purchaser_email": "a@example.com", "method": "cash"},
        )
        assert response.status_code == 400 and "without commas" in response.text
        assert not LedgerEntry.objects.exists()

    def test_anonymous_a_therapist_and_staff_without_a_role_record_nothing(
        self, client, appointment
    ):
        data = {"amount": "12.50", "method": "cash"}
        assert client.post(self.desk_url(appointment), data).status_code == 302  # to login
        client.force_login(appointment.therapist.user)
        assert client.post(self.desk_url(appointment), data).status_code == 302
        client.force_login(staff_member("temp", None))
        assert client.post(self.desk_url(appointment), data).status_code == 403
        assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
class TestAdmin:
    def service_data(self, service, price):
        return {
            "style": service.style_id, "name": service.name, "slug": service.slug,
            "description": "", "duration_minutes": service.duration_minutes, "price": price,
            "active": "on",
        }  # fmt: skip

    @pytest.mark.parametrize("typed", ["1e3", "12,50"])
    def test_a_service_price_of_an_ambiguous_amount_is_refused(
        self, client, signed_in_superuser_manager, typed
    ):
        service = AppointmentFactory().service
        url = reverse("admin:bookings_service_change", args=[service.pk])
        response = client.post(url, self.service_data(service, typed))
        assert response.status_code == 200  # the form again, with the message
        assert "Enter an amount" in response.text or "without commas" in response.text
        assert Service.objects.get(pk=service.pk).price == service.price

    def test_a_service_price_in_dollars_is_saved(self, client, signed_in_superuser_manager):
        service = AppointmentFactory().service
        url = reverse("admin:bookings_service_change", args=[service.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, self.service_data(service, "95.50")).status_code == 302
        assert Service.objects.get(pk=service.pk).price == Decimal("95.50")

    def test_fees_and_package_prices_are_typed_in_dollars(
        self, client, signed_in_superuser_manager
    ):
        service = AppointmentFactory().service
        response = client.post(
            reverse("admin:payments_paymentpolicy_add"),
            {"service": service.pk, "deposit_kind": "none", "deposit_value": 0,
             "no_show_fee_cents": "80", "late_cancel_fee_cents": "12,50"},
        )  # fmt: skip
        assert response.status_code == 200 and "without commas" in response.text
        response = client.post(
            reverse("admin:payments_paymentpolicy_add"),
            {"service": service.pk, "deposit_kind": "none", "deposit_value": 0,
             "no_show_fee_cents": "80", "late_cancel_fee_cents": "0"},
        )  # fmt: skip
        assert response.status_code == 302
        policy = PaymentPolicy.objects.get()
        assert (policy.no_show_fee_cents, policy.late_cancel_fee_cents) == (8000, 0)
        response = client.post(
            reverse("admin:payments_packageplan_add"),
            {"name": "Five", "style": service.style_id, "sessions": 5, "price_cents": "1e3",
             "active": "on"},
        )  # fmt: skip
        assert response.status_code == 200 and not PackagePlan.objects.exists()
