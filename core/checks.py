"""Deploy checks for state that would stay in one process when several serve the site."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    """Warn when the cache lives in each process: several web nodes would each keep their own.

    The cache holds the generation that retires cached page parts and dashboards after a
    change, the API throttles and the lockout mails' rate: per process, a page could stay
    stale on the nodes that did not make the change, and each node would throttle alone.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is kept in each process (LocMemCache).",
                hint="Set CACHE_URL (or REDIS_URL) to a Redis that every web node and worker "
                "shares, so that a change retires cached pages everywhere and throttles count "
                "across nodes.",
                id="core.W001",
            )
        ]
    return []
