"""The generation of recorded changes, which retires cached dashboards and page parts.

Every cached key carries a generation number that goes up after any recorded change
commits, so the next dashboard or page after a change is computed afresh;
DASHBOARD_CACHE_SECONDS and PAGE_CACHE_SECONDS bound what a write that records no event
(the admin, a shell) can leave stale. register() hooks the bump into every recorded event;
core.apps calls it.
"""

from django.core.cache import cache
from django.db import transaction

from core import events
from core.models import ChangeRecord

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
