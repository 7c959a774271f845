"""The health check for load balancers: is the database there, is Redis there."""

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.deliveries import overdue_counts

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0


def check_database() -> str | None:
    """Return None when the database answers a trivial query, else the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return str(error).strip() or error.__class__.__name__
    return None


def check_redis() -> str | None:
    """Return None when Redis at REDIS_URL answers PING within a second, else the reason."""
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        client.ping()
    except (redis.RedisError, OSError) as error:
        return str(error).strip() or error.__class__.__name__
    return None


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and Redis work, 503 naming what failed.

    deliveries_overdue counts, by kind, what should have gone out longer ago than the stale
    limit: a worker or beat that is down, or a broker that lost its queue.
    """
    checks = {"database": check_database(), "redis": check_redis()}
    failed = {name: reason for name, reason in checks.items() if reason is not None}
    for name, reason in failed.items():
        logger.error("health check failed", extra={"check": name, "reason": reason})
    body = {
        "status": "fail" if failed else "ok",
        "checks": {name: ("fail" if name in failed else "ok") for name in checks},
    }
    if "database" not in failed:
        # A backlog is reported, not failed on: the web servers still serve pages, and
        # taking them out of the load balancer would not send one more email.
        overdue = overdue_counts()
        body["deliveries_overdue"] = overdue
        if any(overdue.values()):
            logger.warning("deliveries are overdue", extra={"overdue": overdue})
    # The reasons go to the log, not the anonymous response: they may name hosts.
    return JsonResponse(body, status=503 if failed else 200)


class HealthCheckMiddleware:
    """Answer /health/ before the host check and the HTTPS redirect.

    Load balancers and Kubernetes probes call a node by its own address over plain HTTP
    (Host: 10.1.2.3:8000), which ALLOWED_HOSTS rightly refuses and SECURE_SSL_REDIRECT
    would send elsewhere; the check says nothing secret, so it answers whatever the host.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path == "/health/" and request.method in ("GET", "HEAD"):
            return health(request)
        return self.get_response(request)
