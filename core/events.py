"""What happened, recorded with the change, and the consumers that react to it.

A write records one event (a ChangeRecord) in its own transaction, together with one
EventHandling row for every consumer subscribed to that event's name. After commit a worker
is nudged; it hands each consumer its pending events in order, and marks them done in the
same transaction as the consumer's own writes. So an event of a rolled-back change is never
handled, and a crash anywhere means the event is handled later, once.

The domain does not know its consumers: a consumer subscribes here (from its app's ready())
and the writes only call record_event. Consumers that must write in the same transaction as
the change itself (the postmortem app making an incident's draft) use in_transaction().
"""

import logging
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.deliveries import retry_delay
from core.models import ChangeRecord, EventHandling
from core.visibility import forget_visibility

logger = logging.getLogger(__name__)

# Keeps these advisory lock keys apart from any other user of advisory locks.
EVENT_LOCK_SPACE = 7001

Handler = Callable[[list[ChangeRecord]], None]
Hook = Callable[[ChangeRecord, models.Model], None]


@dataclass(frozen=True)
class Consumer:
    """Something that reacts to events after commit, with its progress kept per event."""

    name: str
    events: frozenset[str]
    handle: Handler


_consumers: dict[str, Consumer] = {}
_hooks: dict[str, list[Hook]] = defaultdict(list)
_nudge: Callable[[list[str]], None] | None = None


def subscribe(name: str, events: Iterable[str]) -> Callable[[Handler], Handler]:
    """Register the decorated function as consumer `name` of the named events.

    It is called after commit with a list of events in the order they happened and should
    handle them all in one go (a fixed number of queries whatever their number); raising
    makes every event of the call be tried again, one by one.
    """

    def register(handle: Handler) -> Handler:
        _consumers[name] = Consumer(name=name, events=frozenset(events), handle=handle)
        return handle

    return register


def unsubscribe(name: str) -> None:
    """Forget consumer `name`; its pending rows stay and are handled if it comes back."""
    _consumers.pop(name, None)


# in_transaction(ANY_EVENT) runs the hook for every event, whatever its name.
ANY_EVENT = "*"


def in_transaction(event: str) -> Callable[[Hook], Hook]:
    """Register the decorated function to run inside the transaction that records `event`."""

    def register(hook: Hook) -> Hook:
        if hook not in _hooks[event]:
            _hooks[event].append(hook)
        return hook

    return register


def set_nudge(nudge: Callable[[list[str]], None]) -> None:
    """Set how a worker is told, after commit, that consumers have new events."""
    global _nudge
    _nudge = nudge


def consumers() -> dict[str, Consumer]:
    return dict(_consumers)


def _nudge_after_commit(names: list[str]) -> None:
    if _nudge is not None:
        # robust: a broker outage must not turn a saved change into an error page; the
        # rows are there, and recovery nudges again.
        transaction.on_commit(lambda: _nudge(names), robust=True)


def _lock_incident(incident: models.Model) -> None:
    # Events of one incident are numbered in the order their transactions commit: a second
    # writer waits here until the first commits, then takes the next id.
    if connection.features.has_select_for_update:
        incidents = type(incident)._default_manager
        list(incidents.select_for_update().filter(pk=incident.pk).values_list("pk"))


def record_event(
    *,
    event: str,
    incident: models.Model,
    actor: models.Model | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    note: str = "",
    incident_is_new: bool = False,
) -> ChangeRecord:
    """Record that `event` happened to target, and owe it to every subscribed consumer.

    Call it inside the transaction of the change it describes. Pass incident_is_new=True
    when that transaction inserted the incident: no other transaction can see the row
    before this one commits, so it needs no lock to keep its events in commit order.
    """
    if not incident_is_new:
        _lock_incident(incident)
    # Who may see what can change with any event (allowed people, authors, privacy).
    forget_visibility()
    record = ChangeRecord(
        incident=incident,
        event=event,
        actor=actor,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        object_type=str(target._meta.verbose_name),
        object_repr=str(target)[:200],
        changes=changes or {},
        values=values or {},
        note=note[:300],
    )
    record.full_clean(exclude=["incident", "actor", "target_type"])
    record.save()
    subscribed = sorted(name for name, c in _consumers.items() if event in c.events)
    if subscribed:
        EventHandling.objects.bulk_create(
            [
                EventHandling(consumer=name, record=record, incident_id=incident.pk)
                for name in subscribed
            ]
        )
        _nudge_after_commit(subscribed)
    for hook in (*_hooks.get(event, ()), *_hooks.get(ANY_EVENT, ())):
        hook(record, target)
    return record


@dataclass
class Progress:
    """What one call of handle_pending did."""

    handled: int = 0
    more: bool = False
    busy: bool = False
    retry_in: int | None = None


def _try_lock_consumer(name: str) -> bool:
    # One worker at a time handles a consumer's events, so each incident's stay in order.
    # SQLite serialises all writers anyway; PostgreSQL takes a lock until commit.
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        key = (EVENT_LOCK_SPACE << 32) | zlib.crc32(name.encode())
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return bool(cursor.fetchone()[0])


def handle_pending(name: str, *, batch_size: int = 200) -> Progress:
    """Hand consumer `name` its pending events, oldest first, and mark them handled.

    An event whose earlier sibling on the same incident is waiting for a retry waits too.
    When the batch as a whole fails, each event is tried alone, so one bad event delays
    only its incident's later events, and other consumers not at all.
    """
    consumer = _consumers.get(name)
    if consumer is None:
        logger.error("no consumer named %r is subscribed; its events stay pending", name)
        return Progress()
    now = timezone.now()
    progress = Progress()
    with transaction.atomic():
        if not _try_lock_consumer(name):
            return Progress(busy=True)
        rows = list(
            EventHandling.objects.filter(consumer=name, status=EventHandling.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("record", "record__incident", "record__actor")
            .order_by("record_id")[: batch_size + 1]
        )
        progress.more = len(rows) > batch_size
        rows = rows[:batch_size]
        if not rows:
            return progress
        waiting = set(
            EventHandling.objects.filter(
                consumer=name,
                status=EventHandling.Status.PENDING,
                next_attempt_at__gt=now,
                record_id__lt=rows[-1].record_id,
            ).values_list("incident_id", flat=True)
        )
        rows = [row for row in rows if row.incident_id not in waiting]
        try:
            with transaction.atomic():
                consumer.handle([row.record for row in rows])
            done = rows
        except Exception:
            logger.exception("consumer %s failed on a batch; trying its events one by one", name)
            done, progress.retry_in = _handle_one_by_one(consumer, rows, now)
        EventHandling.objects.filter(pk__in=[row.pk for row in done]).update(
            status=EventHandling.Status.DONE,
            handled_at=now,
            attempts=F("attempts") + 1,
            last_error="",
        )
    progress.handled = len(done)
    return progress


def _handle_one_by_one(
    consumer: Consumer, rows: list[EventHandling], now: datetime
) -> tuple[list[EventHandling], int | None]:
    done: list[EventHandling] = []
    held_back: set[int] = set()
    retry_in: int | None = None
    for row in rows:
        if row.incident_id in held_back:
            continue
        try:
            with transaction.atomic():
                consumer.handle([row.record])
        except Exception as error:
            held_back.add(row.incident_id)
            row.attempts += 1
            row.last_error = repr(error)[:2000]
            if row.attempts > settings.DELIVERY_MAX_RETRIES:
                row.status = EventHandling.Status.FAILED
                logger.error("%s gave up on event %s: %r", consumer.name, row.record_id, error)
            else:
                delay = retry_delay(row.attempts)
                row.next_attempt_at = now + timedelta(seconds=delay)
                retry_in = delay if retry_in is None else min(retry_in, delay)
            row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        else:
            done.append(row)
    return done, retry_in


def _with_due_since() -> models.QuerySet:
    return EventHandling.objects.alias(due_since=Coalesce("next_attempt_at", "created_at"))


def owed_handlings(now: datetime) -> models.QuerySet:
    """Return pending handlings whose nudge is lost: due for a while and not expired."""
    waited = now - timedelta(seconds=settings.DELIVERY_RECOVER_AFTER_SECONDS)
    return _with_due_since().filter(
        status=EventHandling.Status.PENDING,
        due_since__lte=waited,
        created_at__gte=now - timedelta(days=settings.DELIVERY_EXPIRE_DAYS),
    )


def overdue_handlings(now: datetime) -> models.QuerySet:
    """Return pending handlings due for longer than the stale limit."""
    late = now - timedelta(seconds=settings.DELIVERY_CLAIM_STALE_SECONDS)
    return _with_due_since().filter(
        status=EventHandling.Status.PENDING,
        due_since__lt=late,
        created_at__gte=now - timedelta(days=settings.DELIVERY_EXPIRE_DAYS),
    )
