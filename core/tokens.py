"""Secret link tokens: the manage link of a booking, a waitlist offer, a calendar feed.

Each is 256 random bits, shown once (in an e-mail or on a page) and stored only as its
SHA-256 hash, so a leaked database does not leak working links. Checking compares hashes in
constant time, so timing tells an attacker nothing. Looking a row up by the hash of the
presented token is safe for the same reason: the token is too long to guess.
"""

import hashlib
import hmac
import secrets


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
