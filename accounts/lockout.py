"""Failed-login counting for django-axes: per (user name, address), and per address.

Axes compares the largest of its counts with one limit. We want two limits: a low one for
one user name from one address (AXES_FAILURE_LIMIT), so that a typo-prone person or a
guesser is stopped, and a much higher one for an address across all user names
(AXES_IP_FAILURE_LIMIT), so that an office behind one NAT address is not locked out by one
person, while a password sprayer still is.
"""

from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

# The order AXES_LOCKOUT_PARAMETERS must have: the pair first, the address second.
LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PairAndAddressHandler(AxesDatabaseHandler):
    """Lock a user name from one address, or an address for everyone at a higher count."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, address = self.get_user_attempts(request, credentials)
        pair_failures = _failures(pair)
        if _failures(address) >= settings.AXES_IP_FAILURE_LIMIT:
            # Report at least the pair limit, which is what axes compares with.
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # A good login clears its own pair only. Clearing every attempt from the address
        # would let anyone with one valid account reset a sprayer's address count.
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count


@dataclass(frozen=True)
class Lockout:
    """A current lockout: of a user name from an address, or of an address (username None)."""

    username: str | None
    ip_address: str
    failures: int
    last_attempt: datetime


def _recent_attempts() -> QuerySet:
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts


def current_lockouts() -> list[Lockout]:
    """Return the address lockouts, then the user-name lockouts, newest first."""
    recent = _recent_attempts()
    addresses = (
        recent.values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_IP_FAILURE_LIMIT)
        .order_by("-last")
    )
    pairs = (
        recent.exclude(username=None)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [Lockout(None, row["ip_address"], row["failures"], row["last"]) for row in addresses] + [
        Lockout(row["username"], row["ip_address"], row["failures"], row["last"]) for row in pairs
    ]


def is_user_locked_out(username: str) -> bool:
    """Return True when the user name is locked from at least one address."""
    return (
        _recent_attempts()
        .filter(username=username)
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .exists()
    )
