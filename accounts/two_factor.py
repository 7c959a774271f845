"""Two-factor sign-in with django-otp: one authenticator app (TOTP) and its recovery codes."""

import logging
from base64 import b32encode

import segno
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import User

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def confirmed_app(user: User) -> TOTPDevice | None:
    """Return the user's confirmed authenticator app, if two-factor sign-in is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    """Return True when signing in as this user asks for a code."""
    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def start_enrolment(*, user: User) -> TOTPDevice:
    """Return the user's unconfirmed app device, making one with a new secret if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def pending_enrolment(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def secret_of(device: TOTPDevice) -> str:
    """Return the secret as the base32 text authenticator apps accept when typed."""
    return b32encode(device.bin_key).decode()


def qr_code_data_uri(device: TOTPDevice) -> str:
    """Return the otpauth:// URL as an SVG QR code in a data: URI (no inline markup)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def confirm_enrolment(*, user: User, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending app with a code from it; return it and new recovery codes.

    Returns None when the code is wrong. The recovery codes are only ever returned here:
    the page shows them once.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user)
    log.warning("Two-factor sign-in turned on", extra={"user_id": user.pk})
    return device, codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    return _replace_recovery_codes(user)


def verify(*, user: User, token: str) -> Device | None:
    """Return the device that accepts `token` (an app code or an unused recovery code).

    A six-digit token is checked against the app only, anything else against the recovery
    codes only, so a wrong code throttles one device, not both. A recovery code is used up.
    """
    token = "".join(token.split()).lower()
    if token.isdigit() and len(token) == 6:
        device = confirmed_app(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    with transaction.atomic():
        # Lock the row, so that one code is not accepted twice by two requests at once.
        device = type(device).objects.select_for_update().get(pk=device.pk)
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def disable(*, user: User) -> None:
    """Turn two-factor sign-in off: forget the app and the recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    log.warning("Two-factor sign-in turned off", extra={"user_id": user.pk})
