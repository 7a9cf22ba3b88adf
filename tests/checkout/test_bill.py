"""The bill's arithmetic on plain values: explicit rounding, and lines that always add up."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from checkout.bill import Applied, bill_compute, discount_cents, percent_of, tax_inside


def test_rounding_is_half_up_to_the_cent():
    assert percent_of(10800, "8.875") == 959  # 958.5
    assert percent_of(10500, "8.875") == 932  # 931.875
    assert percent_of(101, 50) == 51  # 50.5
    assert percent_of(12000, 18) == 2160
    assert percent_of(0, "8.875") == 0


def test_a_discount_is_never_more_than_the_price():
    assert discount_cents(price_cents=12000, kind="percent", value=10) == 1200
    assert discount_cents(price_cents=12000, kind="amount", value=50000) == 12000
    assert discount_cents(price_cents=999, kind="percent", value=15) == 150  # 149.85


def test_tax_inside_a_price_is_shown_not_added():
    # $108.00 with 8.875 % inside: net 108 / 1.08875 = 99.1963… → 99.20, tax 8.80.
    assert tax_inside(10800, "8.875") == 880
    bill = bill_compute(
        service_label="Bar", price_cents=12000, discount=("Code", 1200), tax_rate="8.875",
        tax_included=True,
    )  # fmt: skip
    assert bill.total_cents == 10800 and bill.tax_cents == 880
    assert [line.added for line in bill.lines] == [True, True, False]


def test_the_done_when_bill_by_hand():
    bill = bill_compute(
        service_label="Bar", price_cents=12000, discount=("TENOFF", 1200), tax_rate="8.875",
        tip_cents=percent_of(12000, 18), applied=[Applied("Deposit", 3000)],
    )  # fmt: skip
    assert (bill.total_cents, bill.owed_cents) == (13919, 10919)


amounts = st.integers(min_value=0, max_value=5_000_000)
rates = st.decimals(min_value=0, max_value=Decimal("25"), places=3)


@given(
    price=amounts,
    kind=st.sampled_from(["percent", "amount"]),
    value=st.integers(min_value=1, max_value=100_000),
    rate=rates,
    included=st.booleans(),
    tip=st.integers(min_value=0, max_value=100_000),
    paid=st.lists(st.integers(min_value=-50_000, max_value=500_000), max_size=5),
)
def test_the_lines_always_add_up_to_what_is_owed(price, kind, value, rate, included, tip, paid):
    if kind == "percent":
        value = min(value, 100)
    off = discount_cents(price_cents=price, kind=kind, value=value)
    bill = bill_compute(
        service_label="S",
        price_cents=price,
        discount=("D", off),
        tax_rate=rate,
        tax_included=included,
        tip_cents=tip,
        applied=[Applied("P", cents) for cents in paid],
    )
    assert all(isinstance(line.cents, int) for line in bill.lines)
    assert sum(line.cents for line in bill.lines if line.added) == bill.owed_cents
    assert bill.total_cents - bill.paid_cents == bill.owed_cents
    assert bill.paid_cents == sum(paid)
    tax = bill.tax_cents
    assert 0 <= tax <= price - off or (rate > 0 and not included)
    expected = price - off + tip + (0 if included else tax)
    assert bill.total_cents == expected
    if included:
        # The tax inside is never more than the amount it is inside of.
        assert 0 <= tax <= price - off
