"""Encryption of secrets kept to verify or sign with (Fernet), for apps that hold them.

The keys are TRACKER_ENCRYPTION_KEYS (the first encrypts, every one decrypts), the same keys
trackers.crypto uses, so one key rotation covers every stored secret. With DEBUG and no key,
one is derived from SECRET_KEY and a label, so a local run needs no setup.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret does not decrypt with any configured key."""


def _fernet(label: str) -> MultiFernet:
    keys = list(settings.TRACKER_ENCRYPTION_KEYS)
    if not keys and settings.DEBUG and settings.SECRET_KEY:
        derived = hashlib.sha256(f"postmortems-{label}:".encode() + settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(derived.digest()).decode()]
    if not keys:
        raise ImproperlyConfigured(
            "Set TRACKER_ENCRYPTION_KEYS to a Fernet key to store secrets; make one with "
            'python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".'
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "TRACKER_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None


def is_configured(label: str) -> bool:
    try:
        _fernet(label)
    except ImproperlyConfigured:
        return False
    return True


def encrypt(plain: str, *, label: str) -> str:
    """Return the secret encrypted with the first key, as text for a database column."""
    return _fernet(label).encrypt(plain.encode()).decode() if plain else ""


def decrypt(stored: str, *, label: str) -> str:
    """Return the secret; raise SecretUnreadable when no configured key opens it."""
    if not stored:
        return ""
    try:
        return _fernet(label).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret does not decrypt with TRACKER_ENCRYPTION_KEYS; was a key removed?"
        ) from None
