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


# --- Files at rest ----------------------------------------------------------------------
#
# The same AES-GCM, for whole files that must not be readable from a copy of the disk or a
# backup (clearance letters). `purpose` separates the keys of different kinds of file, so a
# blob sealed for one cannot be opened as another. Files are small (a few MB) and sealed in
# memory in one piece.

BYTES_PREFIX = b"ab1"


def seal_bytes(data: bytes, *, purpose: str) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    key = salted_hmac(purpose, "", secret=settings.SECRET_KEY, algorithm="sha256").digest()
    return BYTES_PREFIX + nonce + AESGCM(key).encrypt(nonce, data, purpose.encode())


def open_bytes(sealed: bytes, *, purpose: str) -> bytes:
    """The file as sealed; ValueError when it is not a sealed file or no key in use sealed
    it (SECRET_KEY and SECRET_KEY_FALLBACKS are tried)."""
    if not sealed.startswith(BYTES_PREFIX):
        raise ValueError("This file was not sealed by the clinic.")
    body = sealed[len(BYTES_PREFIX) :]
    nonce, ciphertext = body[:_NONCE], body[_NONCE:]
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        key = salted_hmac(purpose, "", secret=secret, algorithm="sha256").digest()
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, purpose.encode())
        except InvalidTag:
            continue
    raise ValueError("The file was sealed with a key no longer in use.")
