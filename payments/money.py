"""Pure money rules: amounts in integer cents, codes for gift cards and packages.

No ORM and no Stripe here, so every rule is testable on plain values. Amounts people type
are read by `core.amounts` (strictly: "12,50" is refused, never read as 1,250).
"""

import secrets
from decimal import ROUND_HALF_UP, Decimal

from bookings.models import REFERENCE_ALPHABET, hash_manage_token
from core.money import format_cents  # noqa: F401 - the one formatter, re-exported

CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4  # 12 characters of 32 symbols: 60 bits, and look-ups are rate-limited


def cents(price: Decimal) -> int:
    """A Decimal price in the currency's units (120.00) as integer cents (12000)."""
    return int((price * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate_cents(total: int, parts: int) -> list[int]:
    """Split `total` cents into `parts` shares that always add up to it: the remainder cents
    go one each to the first shares (100.00 over three sessions: 33.34 + 33.33 + 33.33).
    The one allocation rule: package sessions are valued with it everywhere."""
    if parts < 1:
        raise ValueError("Allocate over at least one part.")
    share, remainder = divmod(total, parts)
    return [share + 1 if index < remainder else share for index in range(parts)]


def session_value(*, price_cents: int, sessions: int, index: int) -> int:
    """The value of the package session at position `index` (0 = the first one used)."""
    return allocate_cents(price_cents, sessions)[index]


def deposit_cents(*, kind: str, value: int, price_cents: int) -> int:
    """The deposit a service asks: nothing, a fixed amount (never above the price), or a
    percentage of the price rounded to the cent."""
    if kind == "fixed":
        return min(value, price_cents)
    if kind == "percent":
        return int((Decimal(price_cents) * value / 100).quantize(Decimal(1), ROUND_HALF_UP))
    return 0


def fee_due(*, fee_cents: int, deposit_kept_cents: int) -> int:
    """A no-show or late-cancellation fee counts the deposit the clinic keeps: the card is
    charged only the rest."""
    return max(fee_cents - deposit_kept_cents, 0)


def new_code(prefix: str) -> str:
    """A random code such as GIFT-7KQ2-M9XD-4TRA (Crockford base32: no I, L, O, U)."""
    groups = [
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    ]
    return "-".join([prefix, *groups])


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes, and the
    look-alike letters read as Crockford does (O→0, I and L→1)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def hash_code(text: str) -> str:
    """Codes are stored hashed with the project's manage-token hash; only the holder knows
    them."""
    return hash_manage_token(normalise_code(text))


def code_hint(code: str) -> str:
    return normalise_code(code)[-4:]
