"""Celery beat as a singleton: a beat schedules only while it holds a lock in Redis.

Two beats (one per node, as an unwary deploy makes) would each send the sweeps and the
recovery. What beat schedules is safe to run twice (the day's reminders and overdue
notices are rows with unique constraints; recovery and the tracker reconcile claim each
row with a conditional UPDATE), but twice is still wasted work and a double reconcile of
every tracker. So a beat takes a Redis lock with a TTL before it schedules anything and
renews it on every tick. A second beat finds the lock taken and exits with a message
saying so, or, with BEAT_LOCK_WAIT=true, waits as a standby and takes over once the
holder is gone for BEAT_LOCK_TTL_SECONDS.
"""

import contextlib
import logging
import time

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import LockError

logger = logging.getLogger(__name__)


def beat_lock(client: redis.Redis) -> redis.lock.Lock:
    """Return the lock every beat of this site contends for (not yet acquired)."""
    return client.lock(
        settings.BEAT_LOCK_KEY, timeout=settings.BEAT_LOCK_TTL_SECONDS, thread_local=False
    )


class SingletonScheduler(PersistentScheduler):
    """A PersistentScheduler that schedules only while it holds the beat lock."""

    _lock: redis.lock.Lock | None = None

    def setup_schedule(self) -> None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
        lock = beat_lock(client)
        while not lock.acquire(blocking=False):
            holder = client.get(settings.BEAT_LOCK_KEY)
            if not settings.BEAT_LOCK_WAIT:
                message = (
                    f"beat: another beat holds the lock {settings.BEAT_LOCK_KEY!r} "
                    f"(token {holder!r}); only one beat may schedule. Exiting without "
                    "scheduling anything (set BEAT_LOCK_WAIT=true to wait as a standby)."
                )
                logger.error(message)
                raise SystemExit(message)
            logger.warning(
                "beat: another beat holds the lock %r; waiting as a standby.",
                settings.BEAT_LOCK_KEY,
            )
            time.sleep(max(1, settings.BEAT_LOCK_TTL_SECONDS // 3))
        self._lock = lock
        logger.info("beat: holding the lock %r; scheduling.", settings.BEAT_LOCK_KEY)
        # Tick (and so renew) well within the lock's lifetime, however far the next task is.
        self.max_interval = min(self.max_interval, max(1, settings.BEAT_LOCK_TTL_SECONDS // 3))
        super().setup_schedule()

    def tick(self, *args, **kwargs) -> float:
        if self._lock is not None:
            self._renew_lock()
        return super().tick(*args, **kwargs)

    def _renew_lock(self) -> None:
        try:
            self._lock.reacquire()
            return
        except redis.ConnectionError as error:
            # Redis is down: no other beat can take the lock either, and no task can be
            # sent; go on ticking and renew once it is back.
            logger.warning("beat: cannot renew the lock (%s); Redis is unreachable.", error)
            return
        except (LockError, redis.RedisError):
            pass
        # The key is gone: Redis restarted without persistence or expired it. Nobody holds
        # it unless another beat took it meanwhile; take it back or stop.
        if self._lock.acquire(blocking=False):
            logger.warning("beat: the lock %r had vanished; took it again.", settings.BEAT_LOCK_KEY)
            return
        logger.error("beat: another beat took the lock %r; exiting.", settings.BEAT_LOCK_KEY)
        self._lock = None
        raise SystemExit(f"beat lost the lock {settings.BEAT_LOCK_KEY!r} to another beat")

    def close(self) -> None:
        super().close()
        if self._lock is not None:
            # Expired already: nothing to hand back.
            with contextlib.suppress(LockError, redis.RedisError):
                self._lock.release()
            self._lock = None
