"""Celery tasks: thin wrappers that take ids, re-fetch, and call a reminders service.

All run with late acks and reject-on-worker-lost, so a task whose worker dies is handed
out again; claiming the delivery row first makes running twice harmless.
"""

import logging
import smtplib
from datetime import date

from celery import Task, shared_task
from django.conf import settings

from incidents import reminders

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_reminders_sweep(day: str | None = None) -> int:
    """Plan the day's reminders and enqueue one delivery task per recipient."""
    return len(reminders.run_sweep(day=date.fromisoformat(day) if day else None))


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.REMINDER_MAX_RETRIES,
)
def deliver_reminder(self: Task, *, delivery_id: int) -> None:
    """Claim one delivery and send it; retry SMTP trouble with backoff, then mark it failed."""
    delivery = reminders.claim_delivery(delivery_id)
    if delivery is None:
        return
    try:
        reminders.send_claimed_delivery(delivery)
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            reminders.fail_delivery(delivery_id, error)
            return
        reminders.release_delivery(delivery, error)
        countdown = min(2**self.request.retries, settings.REMINDER_RETRY_BACKOFF_MAX)
        logger.warning(
            "reminder delivery %s to user %s failed (try %d), retrying in %ss: %r",
            delivery_id,
            delivery.recipient_id,
            self.request.retries + 1,
            countdown,
            error,
        )
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_assignment_notice(*, action_item_id: int, recipient_id: int) -> None:
    """Record a notice for the new owner of an action item and deliver it."""
    delivery_id = reminders.create_assignment_notice(
        action_item_id=action_item_id, recipient_id=recipient_id
    )
    if delivery_id is not None:
        deliver_reminder.delay(delivery_id=delivery_id)
