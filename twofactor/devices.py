"""A user's second-factor devices: the authenticator app being enrolled, the recovery codes,
the check of a typed code, and the manager's reset (logged in the admin's log).

Devices are django-otp's: `TOTPDevice` (authenticator app), `WebAuthnCredential` (passkey,
django-otp-webauthn), `StaticDevice` (recovery codes, each deleted when used).
"""

import base64
import secrets

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): read off paper, typed back.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
RESET_MESSAGE = "Two-factor devices reset (lost device): the user enrols again at next sign-in."


def has_confirmed_device(user) -> bool:
    """Has the user any confirmed device (app, passkey, or recovery codes left)? Then the
    password alone no longer enrols: the user verifies first. (django-otp-webauthn's own
    registration check counts the same devices.)"""
    return any(devices_for_user(user, confirmed=True))


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user) -> TOTPDevice:
    """The authenticator-app device being enrolled: the same one on every reload (so the QR
    code a phone scanned stays valid) until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as the base32 an authenticator app accepts when typed, in groups of four."""
    encoded = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def confirm_app_device(device: TOTPDevice, code: str) -> bool:
    """The first code from the app proves it holds the key; then the device counts.
    django-otp throttles failures and refuses a code already used."""
    if not device.verify_token(normalise(code)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def match_code(user, code: str):
    """The confirmed app or recovery-code device that accepts this code, or None. A recovery
    code is deleted as it is accepted (single use); every failure counts against each
    device's throttle (django-otp's growing delay)."""
    token = normalise(code)
    if not token or len(token) > 16:
        return None
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice | StaticDevice) and device.verify_token(token):
            return device
    return None


def is_throttled(user) -> bool:
    """After a wrong code django-otp makes each device wait (1 s, 2 s, 4 s, ...)."""
    return any(
        not device.verify_is_allowed()[0]
        for device in devices_for_user(user, confirmed=None)
        if isinstance(device, TOTPDevice | StaticDevice)
    )


def has_recovery_codes(user) -> bool:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """A fresh set of recovery codes, replacing any earlier set. Returned once, to be shown
    once: the page that shows them is the only place they are ever read in clear."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def device_summary(user) -> dict[str, int]:
    return {
        "apps": TOTPDevice.objects.filter(user=user, confirmed=True).count(),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True).count(),
        "recovery_codes": remaining_recovery_codes(user),
    }


@transaction.atomic
def reset_devices(*, target, by) -> None:
    """Remove every device of `target` (app, passkey, recovery codes), so their next
    sign-in enrols again; sessions verified by a removed device stop being verified.
    Logged in the admin's log: who (`by`), whom (`target`), when."""
    TOTPDevice.objects.filter(user=target).delete()
    WebAuthnCredential.objects.filter(user=target).delete()
    StaticDevice.objects.filter(user=target).delete()
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[target],
        action_flag=CHANGE,
        change_message=RESET_MESSAGE,
        single_object=True,
    )


def resets_of(target):
    """The log of resets of this user's devices, newest first."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        change_message=RESET_MESSAGE,
    ).order_by("-action_time")
