"""Celery tasks of Confluence: thin wrappers that take ids and call confluence.publishing.

Late acks and reject-on-worker-lost, like every task here: a task whose worker dies is
handed out again, and the claim on the row (plus the look-up by title) makes running twice
harmless.
"""

from celery import Task, shared_task
from django.db import transaction

from confluence import publishing
from confluence.models import ConfluenceDelivery
from core import deliveries


def nudge(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        deliver.delay(delivery_id=delivery_id)


def nudge_after_commit(delivery_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    if delivery_ids:
        transaction.on_commit(lambda: nudge(delivery_ids), robust=True)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver(self: Task, *, delivery_id: int) -> None:
    """Try once to publish (or withdraw) one postmortem's page; schedule the next try."""
    outcome = publishing.deliver(delivery_id)
    deliveries.try_again_later(self, outcome.retry_in, delivery_id=delivery_id)


def register_owed_kinds() -> None:
    """Let recovery and the health check see owed Confluence pages."""
    deliveries.register_owed_rows("confluence_page", ConfluenceDelivery, nudge)
