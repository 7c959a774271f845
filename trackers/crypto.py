"""Tracker secrets are encrypted as every stored secret is: see core.crypto."""

from core.crypto import SecretUnreadable, decrypt, encrypt, is_configured, rotate

__all__ = ["SecretUnreadable", "decrypt", "encrypt", "is_configured", "rotate"]
