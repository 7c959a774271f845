"""The dashboard's figures, kept for a short while in the shared cache.

Every key carries a generation number that goes up after any recorded change commits, so
the next dashboard after a change is computed afresh; DASHBOARD_CACHE_SECONDS bounds what
a write that records no event (the admin, a shell) can leave stale. register() hooks the
bump into every recorded event; incidents.apps calls it.
"""

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from incidents import events
from incidents.dashboard import DashboardScope, dashboard
from incidents.models import ChangeRecord, Incident

logger = logging.getLogger(__name__)

GENERATION_KEY = "dashboard:generation"


def generation() -> int:
    """Return the current generation, starting one if the cache has none."""
    # add() is a no-op when the key exists, so concurrent first loads agree on 1.
    cache.add(GENERATION_KEY, 1, timeout=None)
    return cache.get(GENERATION_KEY, 1)


def bump_generation() -> None:
    """Make every cached dashboard stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (evicted or never read): start one past it
        cache.add(GENERATION_KEY, 2, timeout=None)


def _bump_after_commit(record: ChangeRecord, target: object) -> None:
    # After commit, not now: a dashboard computed between the bump and the commit would
    # cache the old figures under the new generation.
    transaction.on_commit(bump_generation, robust=True)


def register() -> None:
    """Bump the generation after any transaction that records an event."""
    events.in_transaction(events.ANY_EVENT)(_bump_after_commit)


def _key(scope: DashboardScope, today: date) -> str:
    parts = [
        f"g{generation()}",
        today.isoformat(),
        f"t{scope.team.pk if scope.team else ''}",
        f"s{scope.service.pk if scope.service else ''}",
        f"f{scope.start or ''}",
        f"e{scope.end or ''}",
    ]
    # What a viewer may see differs only when some incident is private: then each viewer
    # has figures of their own.
    if scope.user is not None and Incident.objects.filter(is_private=True).exists():
        parts.append(f"u{scope.user.pk}")
    return "dashboard:" + ":".join(parts)


def cached_dashboard(scope: DashboardScope, today: date) -> dict:
    """Return dashboard(scope, today), from the cache when a fresh copy is there."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return dashboard(scope, today)
    try:
        key = _key(scope, today)
        data = cache.get(key)
    except Exception:  # the cache is down: the page still works, only slower
        logger.warning("dashboard cache unavailable", exc_info=True)
        return dashboard(scope, today)
    if data is None:
        data = dashboard(scope, today)
        try:
            cache.set(key, data, timeout=seconds)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return data
