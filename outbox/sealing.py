"""The link secret at rest: sealing an e-mail's one-time link token while it waits.

(Its own module so that queueing, `outbox.services`, and sending, `outbox.delivery`, share
it without importing each other.)
"""

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

# --- The link secret at rest ----------------------------------------------------------
#
# An e-mail's `secret` (a manage-link or waitlist-offer token) waits in the table until the
# mail is sent. It is kept sealed with a key derived from SECRET_KEY, so a database dump, a
# backup or any admin page that shows rows never shows a usable link: AES-GCM from the
# `cryptography` package (fresh random nonce per row; the tag proves which of SECRET_KEY and
# SECRET_KEY_FALLBACKS sealed it).

SEALED_PREFIX = "s1:"
_NONCE = 12
MAX_SECRET_LENGTH = 44  # sealed (nonce + text + 16-byte tag, base64), it fits the column (100)


def _aead(key: str) -> AESGCM:
    return AESGCM(salted_hmac("outbox.secret", "", secret=key, algorithm="sha256").digest())


def seal_secret(secret: str) -> str:
    if not secret:
        return ""
    plain = secret.encode()
    if len(plain) > MAX_SECRET_LENGTH:
        raise ValueError(f"An e-mail secret is at most {MAX_SECRET_LENGTH} bytes.")
    nonce = secrets.token_bytes(_NONCE)
    raw = nonce + _aead(settings.SECRET_KEY).encrypt(nonce, plain, None)
    return SEALED_PREFIX + base64.urlsafe_b64encode(raw).decode()


def open_secret(stored: str) -> str:
    """The secret as queued; raises ValueError when no key in use sealed it."""
    if not stored.startswith(SEALED_PREFIX):
        return stored  # queued before secrets were sealed
    raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])
    nonce, sealed = raw[:_NONCE], raw[_NONCE:]
    for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        try:
            return _aead(key).decrypt(nonce, sealed, None).decode()
        except InvalidTag:
            continue
    raise ValueError("The e-mail's link secret was sealed with a key no longer in use.")
