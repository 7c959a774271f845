"""Writes for sign-in: unlocking accounts, clearing lockouts, two-factor devices, SSO users."""

import logging

from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.db.models import Q

from accounts import emails
from accounts.lockout import is_user_locked_out
from incidents.models import User

log = logging.getLogger(__name__)

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


def request_unlock_link(*, identifier: str) -> None:
    """E-mail an unlock link when `identifier` names a locked, active account with an email.

    Says nothing either way, so that the form cannot tell anyone which accounts exist.
    """
    identifier = identifier.strip()
    if not identifier:
        return
    users = User.objects.filter(
        Q(username=identifier) | Q(email__iexact=identifier), is_active=True
    ).exclude(email="")
    for user in users:
        if is_user_locked_out(user.get_username()):
            emails.send_unlock_link(user=user, token=unlock_token(user))
            log.warning("Unlock link sent", extra={"user_id": user.pk})


def unlock_account(*, user: User) -> int:
    """Clear the failed logins of the user's name from every address; return rows cleared."""
    count, _ = AccessAttempt.objects.filter(username=user.get_username()).delete()
    log.warning("Account unlocked by its owner", extra={"user_id": user.pk})
    return count


def clear_lockout(*, actor: User, ip_address: str, username: str | None = None) -> int:
    """Clear a lockout of a user name from an address, or of the whole address."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if username is not None:
        attempts = attempts.filter(username=username)
    count, _ = attempts.delete()
    log.warning(
        "Lockout cleared",
        extra={"actor_id": actor.pk, "username": username, "ip_address": ip_address},
    )
    return count
