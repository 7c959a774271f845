"""Encryption of tracker secrets at rest: core.crypto, shared with Confluence connections."""

from core.crypto import SecretUnreadable, decrypt, encrypt, is_configured, rotate

__all__ = ["SecretUnreadable", "decrypt", "encrypt", "is_configured", "rotate"]
