"""Encryption of tracker secrets at rest: core.secrets, shared with Confluence connections."""

from core.secrets import SecretUnreadable, decrypt, encrypt, is_configured, rotate

__all__ = ["SecretUnreadable", "decrypt", "encrypt", "is_configured", "rotate"]
