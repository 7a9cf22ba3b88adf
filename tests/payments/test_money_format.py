"""Money written by Babel in the clinic's locale and currency, and the one allocation rule
that splits a price into parts that always add up to it."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from payments.money import allocate_cents, format_cents, session_value

NBSP = "\xa0"


class TestFormatting:
    def test_us_dollars_in_english(self, settings):
        settings.PAYMENTS_CURRENCY, settings.PAYMENTS_LOCALE = "usd", "en_US"
        assert format_cents(123456) == "$1,234.56"
        assert format_cents(5) == "$0.05"
        assert format_cents(-3000) == "-$30.00"

    def test_euros_in_spanish(self, settings):
        settings.PAYMENTS_CURRENCY, settings.PAYMENTS_LOCALE = "eur", "es_ES"
        assert format_cents(123456) == f"1.234,56{NBSP}€"
        assert format_cents(99) == f"0,99{NBSP}€"

    def test_currency_and_locale_may_be_given(self):
        assert format_cents(123456, currency="eur", locale="es_ES") == f"1.234,56{NBSP}€"
        assert format_cents(123456, currency="usd", locale="en_US") == "$1,234.56"

    def test_the_template_filter_is_the_same_function(self, settings):
        settings.PAYMENTS_CURRENCY, settings.PAYMENTS_LOCALE = "eur", "es_ES"
        rendered = Template("{% load money %}{{ amount|money }}").render(
            Context({"amount": 123456})
        )
        assert rendered == f"1.234,56{NBSP}€"

    def test_no_dollar_sign_is_written_by_hand_in_payments_or_any_template(self):
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        files = [*(root / "payments").rglob("*.py"), root / "core" / "money.py"]
        files += [*(root / "templates").rglob("*.html"), *(root / "templates").rglob("*.txt")]
        offenders = [
            str(path.relative_to(root))
            for path in files
            if "migrations" not in path.parts and "$" in path.read_text()
        ]
        assert offenders == []

    def test_a_service_price_is_written_the_same_way(self, settings):
        settings.PAYMENTS_CURRENCY, settings.PAYMENTS_LOCALE = "eur", "es_ES"
        rendered = Template("{% load money %}{{ price|price }}").render(
            Context({"price": Decimal("1234.50")})
        )
        assert rendered == f"1.234,50{NBSP}€"


class TestAllocation:
    def test_a_hundred_dollars_over_three_sessions(self):
        assert allocate_cents(10000, 3) == [3334, 3333, 3333]
        assert [session_value(price_cents=10000, sessions=3, index=i) for i in range(3)] == [
            3334,
            3333,
            3333,
        ]

    @given(total=st.integers(min_value=0, max_value=10**9), parts=st.integers(1, 50))
    def test_the_parts_always_sum_to_the_price_and_differ_by_a_cent_at_most(self, total, parts):
        shares = allocate_cents(total, parts)
        assert sum(shares) == total and len(shares) == parts
        assert max(shares) - min(shares) <= 1
        assert shares == sorted(shares, reverse=True)

    def test_no_parts_is_refused(self):
        with pytest.raises(ValueError):
            allocate_cents(100, 0)
