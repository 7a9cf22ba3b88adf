"""Money by therapist for a pay period, read from the ledger (what was taken, not list
prices), for the manager's payroll report and its CSV.

For each therapist: the money taken for their sessions by service and method (refunds
subtract, on the day they are made), the sales tax in the bills closed in the period, the
tips (theirs, kept apart), and the commission: a percentage of the service takings less
that tax. The rate is the most specific one on file: for this therapist on this service,
else this therapist's, else this service's, else none. Commission is rounded half up to the
cent once per therapist and service.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from checkout.bill import percent_of
from checkout.models import Checkout, CommissionRate
from core.clock import local_midnight
from payments.models import LedgerEntry, LedgerKind, Method

# Money for a session: what was charged or spent on it; fees count (the therapist's slot
# was lost), sales of packages and gift cards do not (they are counted when redeemed).
SESSION_KINDS = (
    LedgerKind.CHARGE,
    LedgerKind.FEE,
    LedgerKind.DESK_PAYMENT,
    LedgerKind.REFUND,
    LedgerKind.PACKAGE_REDEMPTION,
    LedgerKind.GIFT_CARD_REDEMPTION,
)


@dataclass
class ServiceRow:
    service: str
    by_method: dict[str, int] = field(default_factory=dict)
    tax_cents: int = 0
    rate: Decimal = Decimal(0)

    @property
    def taken_cents(self) -> int:
        return sum(self.by_method.values())

    @property
    def commission_cents(self) -> int:
        return percent_of(max(self.taken_cents - self.tax_cents, 0), self.rate)


@dataclass
class TherapistRow:
    therapist: str
    services: list[ServiceRow] = field(default_factory=list)
    tips_cents: int = 0

    @property
    def taken_cents(self) -> int:
        return sum(row.taken_cents for row in self.services)

    @property
    def commission_cents(self) -> int:
        return sum(row.commission_cents for row in self.services)

    @property
    def pay_cents(self) -> int:
        return self.commission_cents + self.tips_cents


def _rates() -> dict[tuple[int | None, int | None], Decimal]:
    return {(r.therapist_id, r.service_id): r.percent for r in CommissionRate.objects.all()}


def rate_for(rates, therapist_id: int, service_id: int) -> Decimal:
    for key in ((therapist_id, service_id), (therapist_id, None), (None, service_id)):
        if key in rates:
            return rates[key]
    return Decimal(0)


def payroll(start: dt.date, end: dt.date) -> list[TherapistRow]:
    """The report for the local days start..end (both included)."""
    since, until = local_midnight(start), local_midnight(end + dt.timedelta(days=1))
    entries = (
        LedgerEntry.objects.filter(at__gte=since, at__lt=until, appointment__isnull=False)
        .filter(kind__in=[*SESSION_KINDS, LedgerKind.TIP])
        .values(
            "kind",
            "method",
            "appointment__therapist_id",
            "appointment__therapist__display_name",
            "appointment__service_id",
            "appointment__service__name",
        )
        .annotate(cents=Sum("amount_cents"))
    )
    taxes = (
        Checkout.objects.filter(closed_at__gte=since, closed_at__lt=until)
        .values("appointment__therapist_id", "appointment__service_id")
        .annotate(cents=Sum("tax_cents"))
    )
    tax = {
        (t["appointment__therapist_id"], t["appointment__service_id"]): t["cents"] for t in taxes
    }
    rates = _rates()
    therapists: dict[int, TherapistRow] = {}
    services: dict[tuple[int, int], ServiceRow] = {}
    for entry in entries:
        tid, sid = entry["appointment__therapist_id"], entry["appointment__service_id"]
        row = therapists.setdefault(
            tid, TherapistRow(therapist=entry["appointment__therapist__display_name"])
        )
        if entry["kind"] == LedgerKind.TIP:
            row.tips_cents += entry["cents"]
            continue
        if (tid, sid) not in services:
            services[(tid, sid)] = ServiceRow(
                service=entry["appointment__service__name"],
                tax_cents=tax.get((tid, sid), 0),
                rate=rate_for(rates, tid, sid),
            )
            row.services.append(services[(tid, sid)])
        by_method = services[(tid, sid)].by_method
        by_method[entry["method"]] = by_method.get(entry["method"], 0) + entry["cents"]
    for row in therapists.values():
        row.services.sort(key=lambda s: s.service)
    return sorted(therapists.values(), key=lambda r: r.therapist)


def takings_by_method(start: dt.date, end: dt.date) -> dict[str, int]:
    """Money taken in the period by method (tips apart under "tip"), for the weekly digest."""
    since, until = local_midnight(start), local_midnight(end + dt.timedelta(days=1))
    totals: dict[str, int] = defaultdict(int)
    rows = (
        LedgerEntry.objects.filter(at__gte=since, at__lt=until)
        .filter(
            kind__in=[
                LedgerKind.CHARGE,
                LedgerKind.FEE,
                LedgerKind.DESK_PAYMENT,
                LedgerKind.REFUND,
                LedgerKind.PACKAGE_SALE,
                LedgerKind.GIFT_CARD_ISSUE,
                LedgerKind.TIP,
            ]
        )  # fmt: skip
        .values("kind", "method")
        .annotate(cents=Sum("amount_cents"))
    )
    for row in rows:
        if row["kind"] == LedgerKind.TIP:
            totals["tip"] += row["cents"]
        elif row["method"] in (Method.STRIPE, Method.CASH, Method.CARD_TERMINAL):
            totals[row["method"]] += row["cents"]
    return dict(totals)


def takings_headlines(*, today: dt.date) -> list[tuple[str, str]]:
    """The weekly digest's money lines: last full ISO week's takings by method and the
    tips (the therapists'), from the ledger."""
    from payments.money import format_cents

    monday = today - dt.timedelta(days=today.weekday() + 7)
    totals = takings_by_method(monday, monday + dt.timedelta(days=6))
    taken = sum(cents for method, cents in totals.items() if method != "tip")
    return [
        ("Money taken (card online, cash, terminal)", format_cents(taken)),
        *[
            (f"  {Method(method).label}", format_cents(totals[method]))
            for method in (Method.STRIPE, Method.CASH, Method.CARD_TERMINAL)
            if method in totals
        ],
        ("Tips (the therapists')", format_cents(totals.get("tip", 0))),
    ]
