"""Sessions at rest: the session table holds a booking's draft, health answers included,
while the client is between steps. Django stores a session signed but readable (base64
JSON), so a dump of `django_session` would show them; this serializer encrypts the whole
session with the health-data keys (core/field_keys.py) before Django signs it.

A session sealed by a key since removed from FIELD_ENCRYPTION_KEYS cannot be read: Django
treats it as empty (the person signs in again). Sessions are re-sealed with the newest key on
every request (SESSION_SAVE_EVERY_REQUEST), so after a rotation the old key can go once
SESSION_IDLE_MINUTES have passed (docs/encryption.md).
"""

import json

from core.field_keys import decrypt, encrypt

COLUMN = "django.session"


class EncryptedJSONSerializer:
    """Django's JSONSerializer, encrypted (SESSION_SERIALIZER)."""

    def dumps(self, obj) -> bytes:
        return encrypt(json.dumps(obj, separators=(",", ":")), column=COLUMN).encode("ascii")

    def loads(self, data: bytes):
        return json.loads(decrypt(data.decode("ascii"), column=COLUMN))
