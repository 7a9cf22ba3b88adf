"""Prepaid balances carried over from another system: packages (sessions left of a plan
sold here) and gift cards (money left). The client keeps the code they were given; only
its hash is stored, as for every package and card sold here (`payments.money`). The money
was taken by the old system, so no payment is written; the balance is what the new clinic
owes, spent through the same redemption as any package or card.
"""

from clients.models import Client
from imports import cells
from imports.models import Kind, SourceRecord
from imports.outcomes import CREATED, UNCHANGED, Outcome
from payments.models import GiftCard, Package, PackagePlan
from payments.money import code_hint, hash_code


class _BalanceRows:
    kind: str

    def __init__(self, *, source: str, run, by):
        self.source, self.run, self.by = source, run, by

    def _earlier(self, values: dict[str, str]) -> tuple[str, SourceRecord | None]:
        source_id = cells.text(values.get("source_id", ""), "source_id", limit=100)
        if not source_id:
            raise cells.RowRefused("source_id: empty (each row needs the old system's id).")
        earlier = SourceRecord.objects.filter(
            source=self.source, kind=self.kind, source_id=source_id
        ).first()
        return source_id, earlier

    def _code(self, values: dict[str, str], model) -> str:
        code = cells.text(values.get("code", ""), "code", limit=64)
        if len(code) < 6:
            raise cells.RowRefused("code: missing or shorter than 6 characters.")
        if model.objects.filter(code_hash=hash_code(code)).exists():
            raise cells.RowRefused("code: a balance with this code is already held here.")
        return code

    def _remember(self, source_id: str, pk: int) -> None:
        SourceRecord.objects.create(
            source=self.source, kind=self.kind, source_id=source_id, object_id=pk, run=self.run
        )


def _one_record(address: str) -> Client | None:
    """The client record a package belongs to, by payments' own rule for packages sold
    before they had one: the one live record under the address, else none."""
    records = list(Client.objects.filter(email__iexact=address, merged_into=None)[:2])
    return records[0] if len(records) == 1 else None


class PackageRows(_BalanceRows):
    kind = Kind.PACKAGES

    def handle(self, values: dict[str, str], number: int) -> Outcome:
        source_id, earlier = self._earlier(values)
        if earlier is not None:
            return Outcome(number, UNCHANGED, f"already imported as package {earlier.object_id}")
        plan_name = cells.text(values.get("plan", ""), "plan")
        plan = PackagePlan.objects.filter(name__iexact=plan_name).first()
        if plan is None:
            raise cells.RowRefused(f"plan: no package plan here is called {plan_name!r}.")
        left = cells.count(values.get("sessions_left", ""), "sessions_left")
        total_text = values.get("sessions_total", "").strip()
        total = cells.count(total_text, "sessions_total") if total_text else plan.sessions
        if left > total:
            raise cells.RowRefused(f"sessions_left: {left} is more than the {total} bought.")
        code = self._code(values, Package)
        address = cells.email(values.get("client_email", ""), "client_email")
        package = Package.objects.create(
            plan=plan, code_hash=hash_code(code), code_hint=code_hint(code),
            client=_one_record(address),
            client_name=cells.person_name(values.get("client_name", "") or "-", "client_name"),
            client_email=address, sessions_total=total, sessions_left=left,
            price_cents=plan.price_cents * total // plan.sessions,
        )  # fmt: skip
        self._remember(source_id, package.pk)
        return Outcome(number, CREATED, f"package …{package.code_hint}: {left} of {total} left")


class GiftCardRows(_BalanceRows):
    kind = Kind.GIFT_CARDS

    def handle(self, values: dict[str, str], number: int) -> Outcome:
        source_id, earlier = self._earlier(values)
        if earlier is not None:
            return Outcome(number, UNCHANGED, f"already imported as gift card {earlier.object_id}")
        balance = cells.cents(values.get("balance", ""), "balance")
        initial_text = values.get("initial", "").strip()
        initial = cells.cents(initial_text, "initial") if initial_text else balance
        if initial <= 0 or balance > initial:
            raise cells.RowRefused("balance: must be at most the card's initial value, above 0.")
        code = self._code(values, GiftCard)
        address = values.get("purchaser_email", "").strip()
        card = GiftCard.objects.create(
            code_hash=hash_code(code), code_hint=code_hint(code),
            initial_cents=initial, balance_cents=balance,
            recipient_name=cells.text(values.get("recipient_name", ""), "recipient_name"),
            purchaser_email=cells.email(address, "purchaser_email") if address else "",
        )  # fmt: skip
        self._remember(source_id, card.pk)
        return Outcome(number, CREATED, f"gift card …{card.code_hint}: {balance / 100:.2f} left")
