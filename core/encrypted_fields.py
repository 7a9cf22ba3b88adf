"""Health data at rest: model fields whose values are stored encrypted, column by column.

A database dump, a replica or a backup read by the wrong person must not read a client's
health answers, chart text or clearance details. These fields encrypt in the ORM, on the way
to and from the database, so every read path (admin, portal, account export, API, reports)
keeps working on plain Python values while the column only ever holds ciphertext.

- Algorithm: AES-256-GCM (`cryptography`), a fresh 96-bit random nonce per value. The
  authenticated data is the column's name (`bookings.intake.answers`), so a value copied
  into another column (or forged) does not open: the tag fails and the read raises.
- Keys: `settings.FIELD_ENCRYPTION_KEYS`, a list of base64url-encoded 32-byte keys, newest
  first, from the `FIELD_ENCRYPTION_KEYS` environment variable (not derived from
  SECRET_KEY: rotating one must not touch the other). New values use the first key; every
  key in the list can read. `manage.py rotate_field_keys` re-encrypts old values so the
  older keys can be retired (docs/encryption.md).
- Stored form: `fe1:<key id>:<base64url(nonce + ciphertext + tag)>`; the key id is the
  first 8 hex digits of the key's SHA-256, so a value names the key that sealed it. The
  plaintext is padded to 64-byte blocks, so a short choice is not told by its length.
- Empty values (`""`, `[]`, `{}`, NULL) are stored as they are: erasure and retention blank
  fields and check constraints ask "is it empty?", which says nothing about anyone's health.
- Encrypted columns cannot be searched, filtered or ordered in SQL. Only `isnull` and an
  exact match against an empty value are allowed; any other lookup raises `FieldError`
  (`exact` with a non-empty value raises `TypeError`), so a query that could never match
  fails loudly instead of silently returning nothing.
"""

import json

from django import forms
from django.conf import settings
from django.core import checks
from django.db import models
from django.db.models.lookups import Exact, IsNull

from core.field_keys import decrypt, encrypt

EMPTY_TEXT = ("",)
EMPTY_JSON = ("[]", "{}")
SHORT_TEXT = 500


def column_name(field: models.Field) -> str:
    """The authenticated data of a field's values: `app_label.model.field`, where the model
    is the one the values were first sealed under (`sealed_under`, for a model that moved
    to another app) or else the field's own."""
    model = getattr(field, "sealed_under", None) or field.model._meta.label_lower
    return f"{model}.{field.name}"


class EncryptedExact(Exact):
    """`field=""` / `field={}` (is it blank?) works; an exact match on a real value cannot."""

    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression") and not self.lhs.output_field.is_empty(
            self.rhs
        ):
            raise TypeError(
                f"{self.lhs.output_field.name} is encrypted: it can only be compared with an "
                "empty value in SQL. Filter in Python."
            )
        return super().get_prep_lookup()


class EncryptedMixin:
    """What both field kinds share: encrypt on the way in, decrypt on the way out."""

    empty_stored: tuple[str, ...] = EMPTY_TEXT

    def __init__(self, *args, sealed_under: str | None = None, **kwargs):
        # A model moved to another app keeps opening what was sealed under its old label.
        self.sealed_under = sealed_under
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.sealed_under:
            kwargs["sealed_under"] = self.sealed_under
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"  # a text column, whatever the Python value is

    def get_lookup(self, lookup_name):
        return {"exact": EncryptedExact, "isnull": IsNull}.get(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def is_empty(self, value) -> bool:
        return value is None or self.text_of(value) in self.empty_stored

    def get_prep_value(self, value):
        if value is None:
            return None
        text = self.text_of(value)
        if text in self.empty_stored:
            return text
        return encrypt(text, column=column_name(self))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value in self.empty_stored:
            return self.value_of(value)
        return self.value_of(decrypt(value, column=column_name(self)))

    def stored_to_python(self, stored):
        """A raw column value (as `SELECT` returns it) in Python, for the rotation."""
        return self.from_db_value(stored, None, None)


class EncryptedTextField(EncryptedMixin, models.TextField):
    """Free text (or a choice) kept encrypted. Choices and max_length validate as usual."""

    def text_of(self, value) -> str:
        return str(value)

    def value_of(self, text: str) -> str:
        return text

    def formfield(self, **kwargs):
        # A short field (a name, a one-line response) keeps the one-line input it had as a
        # CharField; long ones get a text area as TextField gives.
        if not self.choices and self.max_length and self.max_length <= SHORT_TEXT:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON value (dict or list) kept encrypted; reads back the same Python value."""

    empty_stored = EMPTY_JSON + EMPTY_TEXT

    def text_of(self, value) -> str:
        if value == "":
            return ""
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def value_of(self, text: str):
        return None if text == "" else json.loads(text)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise forms.ValidationError("Enter valid JSON.") from error
        return value

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **{"form_class": forms.JSONField, **kwargs})


def encrypted_fields() -> list[models.Field]:
    """Every encrypted field of every installed model (the rotation, the raw-row tests)."""
    from django.apps import apps

    return [
        field
        for model in apps.get_models()
        if not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedMixin) and field.model is model
    ]


@checks.register(checks.Tags.security)
def check_field_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Outside DEBUG the published demo key would encrypt nothing worth the name."""
    if settings.DEBUG or settings.FIELD_ENCRYPTION_DEMO_KEY not in settings.FIELD_ENCRYPTION_KEYS:
        return []
    return [
        checks.Error(
            "FIELD_ENCRYPTION_KEYS contains the demo key, which is public.",
            hint="Make a key with `manage.py rotate_field_keys --new-key`, put it first, "
            "and run `manage.py rotate_field_keys`.",
            id="core.E001",
        )
    ]
