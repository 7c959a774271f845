"""The signed, time-limited token of an unlock link."""

from django.conf import settings
from django.core import signing

from incidents.models import User

UNLOCK_SALT = "accounts.unlock"


def unlock_token(user: User) -> str:
    """Return a signed, time-limited token that unlocks the user's sign-in."""
    return signing.dumps({"user": user.pk}, salt=UNLOCK_SALT)


def user_for_unlock_token(token: str) -> User | None:
    """Return the user a token names, or None when it is forged or older than its limit."""
    try:
        payload = signing.loads(
            token, salt=UNLOCK_SALT, max_age=settings.ACCOUNT_UNLOCK_LINK_MINUTES * 60
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return User.objects.filter(pk=payload.get("user"), is_active=True).first()
