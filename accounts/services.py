"""Writes for sign-in: unlocking accounts, clearing lockouts, two-factor devices, SSO users."""

import logging
import re
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from accounts import tasks
from accounts.lockout import is_user_locked_out
from accounts.models import UnlockLinkEmail
from incidents.models import Team, User

log = logging.getLogger(__name__)

UNLOCK_MAIL_INTERVAL_SECONDS = 300


def request_unlock_link(*, identifier: str) -> None:
    """Owe an unlock-link e-mail when `identifier` names a locked, active account with one.

    Says nothing either way, so that the form cannot tell anyone which accounts exist. Only
    writes a row: a worker sends it after commit (accounts.tasks), so the sign-in page that
    starts a lockout answers the same whether the mail server is up or not.
    """
    identifier = identifier.strip()
    if not identifier:
        return
    users = User.objects.filter(
        Q(username=identifier) | Q(email__iexact=identifier), is_active=True
    ).exclude(email="")
    # Called from the form and when a lockout starts (accounts/signals.py); the cache key
    # below keeps the two from sending twice.
    for user in users:
        # One link per account every few minutes, so the form cannot flood an inbox.
        if is_user_locked_out(user.get_username()) and cache.add(
            f"accounts:unlock-link:{user.pk}", True, timeout=UNLOCK_MAIL_INTERVAL_SECONDS
        ):
            email = UnlockLinkEmail.objects.create(recipient=user)
            tasks.nudge_unlock_links_after_commit([email.pk])
            log.warning("Unlock link owed", extra={"user_id": user.pk})


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


def _free_username(wanted: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def create_sso_user(*, claims: dict[str, Any]) -> User:
    """Make the account of someone signing in with SSO for the first time."""
    email = claims["email"]
    user = User(
        username=_free_username(claims.get("preferred_username") or email.split("@")[0]),
        email=email,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    log.warning("Account made at first SSO sign-in", extra={"user_id": user.pk})
    return user


@transaction.atomic
def sync_sso_teams(*, user: User, groups: list[str]) -> None:
    """Make the user's membership of mapped teams, and their manager role, match the groups.

    Only teams named in OIDC_GROUP_TEAMS are touched; teams set up by hand stay as they are.
    A member of OIDC_MANAGER_GROUP manages the mapped teams they are in.
    """
    mapping: dict[str, str] = settings.OIDC_GROUP_TEAMS
    if not mapping:
        return
    wanted = {mapping[group] for group in groups if group in mapping}
    manages = bool(settings.OIDC_MANAGER_GROUP) and settings.OIDC_MANAGER_GROUP in groups
    for name in sorted(set(mapping.values())):
        if name in wanted:
            team, _ = Team.objects.get_or_create(name=name)
            team.members.add(user)
            if manages and team.manager_id != user.pk:
                team.manager = user
                team.save(update_fields=["manager"])
        else:
            team = Team.objects.filter(name=name).first()
            if team is None:
                continue
            team.members.remove(user)
        if team.manager_id == user.pk and not (manages and name in wanted):
            team.manager = None
            team.save(update_fields=["manager"])
