"""Secret link tokens: the manage link of a booking, a waitlist offer, a calendar feed.

Each is 256 random bits, shown once (in an e-mail or on a page) and stored only as its
SHA-256 hash, so a leaked database does not leak working links. Checking compares hashes in
constant time, so timing tells an attacker nothing. Looking a row up by the hash of the
presented token is safe for the same reason: the token is too long to guess.
"""

import hashlib
import hmac
import secrets

from django.core import signing


def token_new() -> str:
    """A fresh URL-safe token (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored instead of the token."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def token_matches(stored_hash: str, token: str) -> bool:
    """Whether `token` is the one whose hash is stored; False when none is stored."""
    if not stored_hash:
        return False
    return hmac.compare_digest(stored_hash, token_hash(token))


# --- Narrow link tokens --------------------------------------------------------------------
# A manage link can move or cancel a booking, so it never goes where third-party code runs
# (the deposit page loads Stripe.js, which can read the page's address and content). Such
# pages get a token that grants one thing on one object: an HMAC of the object's reference
# under the site's secret, salted by the purpose. Nothing is stored; the object's state
# decides what the token still allows (a paid deposit cannot be paid again).


def purpose_token(purpose: str, subject: str) -> str:
    """The token for doing `purpose` (e.g. "pay-deposit") to `subject` (a reference)."""
    return signing.Signer(salt=f"ashiatsu.{purpose}").signature(subject)


def purpose_token_matches(purpose: str, subject: str, token: str) -> bool:
    return hmac.compare_digest(purpose_token(purpose, subject), token or "")
