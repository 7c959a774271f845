"""Celery tasks of webhooks: thin wrappers that take ids and call webhooks.sending.

Late acks and reject-on-worker-lost, like every task here: a task whose worker dies is
handed out again, and the claim on the row makes running twice harmless.
"""

import smtplib
from datetime import date

from celery import Task, shared_task
from django.db import transaction

from core import deliveries
from incidents.reminders import reminder_today
from webhooks import emails, overdue, sending
from webhooks.models import WebhookDelivery, WebhookEndpoint


def nudge_deliveries(delivery_ids: list[int]) -> None:
    """Enqueue one send task per webhook delivery row."""
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id=delivery_id)


def nudge_deliveries_after_commit(delivery_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    if delivery_ids:
        transaction.on_commit(lambda: nudge_deliveries(delivery_ids), robust=True)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def record_overdue_sweep(day: str | None = None) -> int:
    """Owe action_item.overdue for the items that became overdue today (run daily by beat)."""
    with transaction.atomic():
        delivery_ids = overdue.record_overdue(date.fromisoformat(day) if day else reminder_today())
        nudge_deliveries_after_commit(delivery_ids)
    return len(delivery_ids)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(self: Task, *, delivery_id: int) -> None:
    """Try one delivery; schedule the next try when it failed and may be tried again."""
    outcome = sending.deliver(delivery_id)
    if outcome.disabled_endpoint_id is not None:
        notify_endpoint_disabled.delay(endpoint_id=outcome.disabled_endpoint_id)
    deliveries.try_again_later(self, outcome.retry_in, delivery_id=delivery_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=6,
)
def notify_endpoint_disabled(*, endpoint_id: int) -> None:
    """Tell the team's manager that an endpoint was disabled after days of failures."""
    endpoint = WebhookEndpoint.objects.select_related("team__manager").filter(pk=endpoint_id)
    endpoint = endpoint.first()
    if endpoint is None or endpoint.is_active:
        return  # deleted or enabled again since
    emails.send_endpoint_disabled(endpoint=endpoint)


def register_owed_kinds() -> None:
    """Let recovery and the health check see webhook deliveries."""
    deliveries.register_owed(
        deliveries.OwedKind(
            name="webhook",
            owed=lambda now: deliveries.owed_deliveries(WebhookDelivery, now),
            overdue=lambda now: deliveries.overdue_deliveries(WebhookDelivery, now),
            nudge=nudge_deliveries,
        )
    )
