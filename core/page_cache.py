"""Rendered parts of the busiest pages, kept for a short while in the shared cache.

A part is stored under a key naming everything it shows: the incident and its version, the
generation of recorded changes (dashboard_cache: it goes up after any recorded change
commits, so the part is made afresh after any change anywhere), the viewer's "today" and
zone, and which private incidents the viewer may see (for parts that list other incidents).
Parts with forms (and their CSRF tokens) are never stored: a caller passes no key for them.
PAGE_CACHE_SECONDS bounds what a write that records no event (the admin, a shell) leaves
stale. A cache that is down costs the page its speed, never the page.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.dashboard_cache import generation
from core.visibility import private_incidents_seen

logger = logging.getLogger(__name__)


def viewer_scope(user) -> str:
    """Return a short name for what the viewer may see: the same for viewers who see alike."""
    if not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "all"
    private = private_incidents_seen(user)
    if private is None:  # outside a request: nothing to share
        return f"user{user.pk}"
    ids = ",".join(str(pk) for pk in sorted(private))
    return "private-" + hashlib.blake2b(ids.encode(), digest_size=8).hexdigest()


def part_key(name: str, *parts: object) -> str | None:
    """Return the cache key of a page part, or None when the cache is off or cannot be asked."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return None  # no round trip to the cache for a generation nothing will be stored under
    try:
        current = generation()
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None
    words = [
        f"g{current}",
        timezone.localdate().isoformat(),
        timezone.get_current_timezone_name(),
        *(str(part) for part in parts),
    ]
    # Hashed: a query string may be long and hold characters a cache key may not.
    digest = hashlib.blake2b("\n".join(words).encode(), digest_size=16).hexdigest()
    return f"page:{name}:{digest}"


def get(key: str | None) -> str | None:
    """Return the stored part, or None when there is none (or no key, or no cache)."""
    if not key or settings.PAGE_CACHE_SECONDS <= 0:
        return None
    try:
        return cache.get(key)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
        return None


def get_parts(key: str | None, names: list[str]) -> dict[str, str | None]:
    """Return the stored parts `key:name` for each name (None for any not stored)."""
    found: dict[str, str] = {}
    if key and settings.PAGE_CACHE_SECONDS > 0:
        try:
            found = cache.get_many([f"{key}:{name}" for name in names])
        except Exception:
            logger.warning("page cache unavailable", exc_info=True)
    return {name: found.get(f"{key}:{name}") for name in names}


def put(key: str | None, html: str) -> None:
    """Store a rendered part under its key for PAGE_CACHE_SECONDS."""
    if not key or settings.PAGE_CACHE_SECONDS <= 0:
        return
    try:
        cache.set(key, html, timeout=settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
