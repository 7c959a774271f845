"""Celery tasks of webhooks: thin wrappers that take ids and call webhooks.sending.

Late acks and reject-on-worker-lost, like every task here: a task whose worker dies is
handed out again, and the claim on the row makes running twice harmless.
"""

from datetime import date

from celery import Task, shared_task
from django.db import transaction

from core import deliveries
from core.models import Delivery
from incidents.reminders import reminder_today
from webhooks import emails, overdue, sending
from webhooks.models import EndpointDisabledEmail, WebhookDelivery, WebhookEndpoint


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
    if outcome.disabled_email_id is not None:
        nudge_disabled_emails([outcome.disabled_email_id])
    deliveries.try_again_later(self, outcome.retry_in, delivery_id=delivery_id)


def nudge_disabled_emails(email_ids: list[int]) -> None:
    """Enqueue one send task per endpoint-disabled e-mail row."""
    for email_id in email_ids:
        deliver_endpoint_disabled_email.delay(email_id=email_id)


# The row's attempts, not Celery's retry count, decide when to give up, as for reminders.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver_endpoint_disabled_email(self: Task, *, email_id: int) -> None:
    """Tell the team's manager that an endpoint was disabled; retry SMTP trouble with backoff."""
    email = deliveries.claim(EndpointDisabledEmail, email_id)
    if email is None:
        return
    endpoint = WebhookEndpoint.objects.select_related("team").get(pk=email.endpoint_id)
    recipient = email.recipient
    if endpoint.is_active or not recipient.is_active or not recipient.email:
        deliveries.finish(email, Delivery.Status.SKIPPED)  # enabled again, or nobody to tell
        return
    if not deliveries.renew_claim(email):
        return  # the claim went stale and another worker took the row over: it sends
    try:
        emails.send_endpoint_disabled(endpoint=endpoint, recipient=recipient)
    except deliveries.TRANSIENT_MAIL_ERRORS as error:
        failed = deliveries.retry_mail_or_fail(email, error)
        deliveries.try_again_later(self, failed.retry_in, email_id=email_id)
        return
    deliveries.finish(email, Delivery.Status.SENT)


def register_owed_kinds() -> None:
    """Let recovery and the health check see webhook deliveries and their e-mails."""
    deliveries.register_owed_rows("webhook", WebhookDelivery, nudge_deliveries)
    deliveries.register_owed_rows(
        "webhook_disabled_email", EndpointDisabledEmail, nudge_disabled_emails
    )
