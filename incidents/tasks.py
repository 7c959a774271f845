"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service.

All run with late acks and reject-on-worker-lost, so a task whose worker dies is handed
out again; claiming the row first makes running twice harmless. A task only nudges: the
rows in the database say what is owed, and recover_owed_deliveries nudges again whatever
the broker lost.
"""

from datetime import date

from celery import Task, shared_task
from django.db import transaction

from core import deliveries, events
from core.models import EventHandling
from incidents import dashboard_counts, reminders
from incidents.models import ReminderDelivery


def nudge_reminders(delivery_ids: list[int]) -> None:
    """Enqueue one delivery task per reminder row."""
    for delivery_id in delivery_ids:
        deliver_reminder.delay(delivery_id=delivery_id)


def nudge_reminders_after_commit(delivery_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    transaction.on_commit(lambda: nudge_reminders(delivery_ids), robust=True)


def nudge_consumers(names: list[str]) -> None:
    """Enqueue one event-handling task per consumer."""
    for name in names:
        handle_events.delay(consumer=name)


def nudge_consumers_of(handling_ids: list[int]) -> None:
    """Enqueue the event-handling task of every consumer owed one of these rows."""
    names = EventHandling.objects.filter(pk__in=handling_ids).values_list("consumer", flat=True)
    nudge_consumers(sorted(set(names)))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders_sweep(day: str | None = None) -> int:
    """Plan the day's reminders and enqueue one delivery task per recipient."""
    with transaction.atomic():
        delivery_ids = reminders.record_day(date.fromisoformat(day) if day else None)
        nudge_reminders_after_commit(delivery_ids)
    return len(delivery_ids)


# max_retries=None: the row's attempts, not Celery's count, decide when to give up, so a
# retry that recovery nudged after a lost task counts the same.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_reminder(self: Task, *, delivery_id: int) -> None:
    """Claim one delivery and send it; retry SMTP trouble with backoff, then mark it failed."""
    delivery = reminders.claim_delivery(delivery_id)
    if delivery is None:
        return
    try:
        reminders.send_claimed_delivery(delivery)
    except deliveries.TRANSIENT_MAIL_ERRORS as error:
        failed = deliveries.retry_mail_or_fail(delivery, error)
        if failed.retry_in is not None:
            raise self.retry(exc=error, countdown=failed.retry_in) from error


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def handle_events(self: Task, *, consumer: str) -> int:
    """Hand one consumer its pending events; go on while more wait, retry when due."""
    progress = events.handle_pending(consumer)
    if progress.busy:
        # Another worker is on this consumer; look again shortly for what it did not take.
        handle_events.apply_async(kwargs={"consumer": consumer}, countdown=2)
    elif progress.more:
        handle_events.delay(consumer=consumer)
    elif progress.retry_in is not None:
        handle_events.apply_async(kwargs={"consumer": consumer}, countdown=progress.retry_in)
    return progress.handled


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rebuild_dashboard_counts() -> int:
    """Count the dashboard's open items again from scratch (run daily by beat): catches up
    writes that recorded no event, which the dashboard_counts consumer never saw."""
    return dashboard_counts.rebuild()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recover_owed_deliveries() -> dict[str, int]:
    """Nudge again every delivery and event whose task was lost (run by beat)."""
    return deliveries.recover_owed()


def register_owed_kinds() -> None:
    """Let recovery and the health check see reminders and event handling."""
    deliveries.register_owed_rows("reminder", ReminderDelivery, nudge_reminders)
    deliveries.register_owed(
        deliveries.OwedKind(
            name="event",
            owed=events.owed_handlings,
            overdue=events.overdue_handlings,
            nudge=nudge_consumers_of,
        )
    )
    events.set_nudge(nudge_consumers)
