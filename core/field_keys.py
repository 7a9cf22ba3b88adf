"""The keys of the health-data field encryption (core/encrypted_fields.py), and the cipher.

Kept apart from the model fields so settings can check FIELD_ENCRYPTION_KEYS at start-up
without importing Django's ORM. docs/encryption.md has the format and the rotation steps.

- AES-256-GCM (`cryptography`), a fresh 96-bit random nonce per value; the authenticated
  data names the column, so a value moved to another column does not open.
- Stored form `fe1:<key id>:<base64url(nonce + ciphertext + tag)>`; the key id is the first
  8 hex digits of the key's SHA-256, so each value names the key that sealed it.
- The plaintext is padded to a multiple of 64 bytes first, so a short choice (a scope, a
  role, a body region) cannot be read off the length of its ciphertext.
"""

import base64
import binascii
import functools
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fe1:"
KEY_BYTES = 32
NONCE_BYTES = 12
PAD_BLOCK = 64  # plaintexts are padded to a multiple of this many bytes


class FieldDecryptionError(ValueError):
    """A stored value is not ciphertext of this column under any key in use."""


def generate_key() -> str:
    """A new key, as FIELD_ENCRYPTION_KEYS expects it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_id(raw_key: bytes) -> str:
    return hashlib.sha256(raw_key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The keys in use: `newest` encrypts, every key decrypts (by the id in the value)."""

    newest: str
    ciphers: dict[str, AESGCM]

    @property
    def newest_prefix(self) -> str:
        return f"{PREFIX}{self.newest}:"


def parse_keys(values) -> list[bytes]:
    """The raw keys of a FIELD_ENCRYPTION_KEYS list; ImproperlyConfigured names a bad one."""
    keys = []
    for position, value in enumerate(values, start=1):
        text = (value or "").strip()
        try:
            raw = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} is not a base64url-encoded 32-byte key "
                "(make one with `manage.py rotate_field_keys --new-key`)."
            )
        keys.append(raw)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return keys


@functools.lru_cache(maxsize=8)
def _keyring(values: tuple[str, ...]) -> Keyring:
    raw_keys = parse_keys(values)
    ciphers = {key_id(raw): AESGCM(raw) for raw in raw_keys}
    return Keyring(newest=key_id(raw_keys[0]), ciphers=ciphers)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _padded(data: bytes) -> bytes:
    """`data`, a 0x80 marker and zeros up to a multiple of PAD_BLOCK: a ciphertext's length
    must not tell "full" from "light_pressure", or the neck from the lower back."""
    return data + b"\x80" + b"\x00" * (-(len(data) + 1) % PAD_BLOCK)


def _unpadded(data: bytes) -> bytes:
    marker = data.rfind(b"\x80")
    if marker < 0 or data[marker + 1 :].strip(b"\x00"):
        raise ValueError("bad padding")
    return data[:marker]


def encrypt(plain: str, *, column: str) -> str:
    ring = keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = ring.ciphers[ring.newest].encrypt(nonce, _padded(plain.encode()), column.encode())
    return ring.newest_prefix + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(stored: str, *, column: str) -> str:
    if not stored.startswith(PREFIX):
        raise FieldDecryptionError(f"{column}: the stored value is not encrypted.")
    try:
        kid, body = stored[len(PREFIX) :].split(":", 1)
        raw = base64.urlsafe_b64decode(body.encode())
    except (ValueError, binascii.Error) as error:
        raise FieldDecryptionError(f"{column}: the stored value is damaged.") from error
    cipher = keyring().ciphers.get(kid)
    if cipher is None:
        raise FieldDecryptionError(
            f"{column}: encrypted with key {kid}, which is not in FIELD_ENCRYPTION_KEYS."
        )
    try:
        opened = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode())
        return _unpadded(opened).decode()
    except (InvalidTag, ValueError) as error:
        raise FieldDecryptionError(f"{column}: the stored value does not open.") from error
