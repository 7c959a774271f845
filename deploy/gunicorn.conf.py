"""Gunicorn for the web nodes of the image (and the Procfile when it names this file).

Every value can be overridden from the environment, as gunicorn reads GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: the views are short and database-bound. Two per core plus one, at most 8 by
# default, so a node on a large machine does not open more database connections than
# PostgreSQL was sized for (web nodes x workers x 1 connection each).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
# A request past this is killed and logged: longer than any page or export should take,
# shorter than a load balancer's own timeout (HAProxy and nginx: 60 s), so the 502 is ours.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind a load balancer that keeps connections open to us.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, staggered, so a slow leak never takes a node down at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Heartbeat files in memory, not on a container's overlay disk that may stall.
worker_tmp_dir = os.environ.get(
    "GUNICORN_WORKER_TMP_DIR",
    "/dev/shm" if os.path.isdir("/dev/shm") else None,  # noqa: S108
)
accesslog = "-"
errorlog = "-"
# The proxy in front sets X-Forwarded-For; log the client's address, not the proxy's.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
