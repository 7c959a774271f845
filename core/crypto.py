"""Encryption of secrets at rest (tracker and chat tokens), with keys from the environment.

TRACKER_ENCRYPTION_KEYS lists Fernet keys; the first encrypts, every one decrypts
(cryptography's MultiFernet), so a key is rotated by putting a new one first and running
`manage.py rotate_tracker_keys` and `rotate_chat_keys` before the old one is removed. For a
local run with DEBUG a key is derived from SECRET_KEY, so `make run` needs no setup.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret does not decrypt with any configured key."""


def _keys() -> list[str]:
    keys = list(settings.TRACKER_ENCRYPTION_KEYS)
    if not keys and settings.DEBUG and settings.SECRET_KEY:
        derived = hashlib.sha256(b"postmortems-trackers:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    if not keys:
        raise ImproperlyConfigured(
            "Set TRACKER_ENCRYPTION_KEYS to a Fernet key to store tracker and chat tokens; "
            "make one "
            'with python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".'
        )
    return keys


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in _keys()])
    except ValueError:
        raise ImproperlyConfigured(
            "TRACKER_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None


def is_configured() -> bool:
    try:
        _fernet()
    except ImproperlyConfigured:
        return False
    return True


def encrypt(plain: str) -> str:
    """Return the secret encrypted with the first key, as text for a database column."""
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(stored: str) -> str:
    """Return the secret; raise SecretUnreadable when no configured key opens it."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret does not decrypt with TRACKER_ENCRYPTION_KEYS; "
            "was a key removed? Enter the token again."
        ) from None


def rotate(stored: str) -> str:
    """Return the secret encrypted again with the first key."""
    return _fernet().rotate(stored.encode()).decode() if stored else ""
