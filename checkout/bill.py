"""The bill of a session, as pure arithmetic on integer cents (no ORM, no Stripe).

Rounding is explicit and happens once per line, half up to the cent:
- a percentage discount is taken off the service price and rounded;
- tax on prices that exclude it is the rate times (price − discount), rounded, and added;
  tax on prices that include it is shown (the part of price − discount that is tax:
  gross − gross × 100 / (100 + rate), rounded) but not added again;
- a percentage tip is of the service's menu price, rounded.
Every line that is `added` sums, exactly, to what is still owed: the total is the sum of
the charge lines, and owed is the total minus the payment lines. Nothing is ever computed
from a float.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SUGGESTED_TIP_PERCENTS = (15, 18, 20)


def percent_of(cents: int, percent: Decimal | int | str) -> int:
    """`percent` % of `cents`, rounded half up to the cent."""
    exact = Decimal(cents) * Decimal(str(percent)) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tax_inside(gross_cents: int, rate_percent: Decimal | str) -> int:
    """The tax contained in a tax-inclusive amount."""
    rate = Decimal(str(rate_percent))
    net = (Decimal(gross_cents) * 100 / (100 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return gross_cents - int(net)


@dataclass(frozen=True)
class Line:
    kind: str  # service, discount, tax, tip, payment
    label: str
    cents: int  # signed: charges positive, discounts and payments negative
    added: bool = True  # False for tax already inside the price (shown, not added)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "cents": self.cents, "added": self.added}


@dataclass(frozen=True)
class Applied:
    """A payment already made towards the bill (deposit, package session, gift card...)."""

    label: str
    cents: int


@dataclass
class Bill:
    lines: list[Line] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line.cents for line in self.lines if line.added and line.kind != "payment")

    @property
    def paid_cents(self) -> int:
        return -sum(line.cents for line in self.lines if line.kind == "payment")

    @property
    def owed_cents(self) -> int:
        return sum(line.cents for line in self.lines if line.added)

    @property
    def tax_cents(self) -> int:
        return sum(line.cents for line in self.lines if line.kind == "tax")

    @property
    def tip_cents(self) -> int:
        return sum(line.cents for line in self.lines if line.kind == "tip")

    def sum_of(self, kind: str) -> int:
        return sum(line.cents for line in self.lines if line.kind == kind)


def discount_cents(*, price_cents: int, kind: str, value: int) -> int:
    """What a code takes off: a percentage of the price, or an amount (never more than the
    price)."""
    if kind == "percent":
        return percent_of(price_cents, value)
    return min(value, price_cents)


def bill_compute(
    *,
    service_label: str,
    price_cents: int,
    discount: tuple[str, int] = ("", 0),
    tax_rate: Decimal | str = "0",
    tax_included: bool = False,
    tip_cents: int = 0,
    applied: list[Applied] = (),
    labels: dict[str, str] | None = None,
) -> Bill:
    """The bill's lines. `discount` is (label, cents taken off), `applied` the payments made
    so far, `labels` the words for the tax and tip lines (translated by the caller)."""
    labels = {"tax": "Sales tax", "tax_included": "Sales tax included", "tip": "Tip"} | (
        labels or {}
    )
    lines = [Line("service", service_label, price_cents)]
    discount_label, off = discount
    off = min(max(off, 0), price_cents)
    if off:
        lines.append(Line("discount", discount_label, -off))
    taxable = price_cents - off
    rate = Decimal(str(tax_rate))
    if rate:
        if tax_included:
            lines.append(
                Line("tax", labels["tax_included"], tax_inside(taxable, rate), added=False)
            )
        else:
            lines.append(Line("tax", labels["tax"], percent_of(taxable, rate)))
    if tip_cents:
        lines.append(Line("tip", labels["tip"], tip_cents))
    lines.extend(Line("payment", item.label, -item.cents) for item in applied if item.cents)
    return Bill(lines=lines)
