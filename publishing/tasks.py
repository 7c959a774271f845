"""Celery tasks of publishing: thin wrappers that take ids and call publishing's modules.

Late acks and reject-on-worker-lost: a task whose worker dies is handed out again, and the
claim on the row (plus finding earlier work by branch and blob) makes running twice harmless.
"""

import logging

from celery import Task, shared_task
from django.db import transaction

from core import deliveries
from publishing import delivering, services
from publishing.models import PublishDelivery, RepositoryConnection
from publishing.remotes import RemoteError

logger = logging.getLogger(__name__)


def nudge_publications(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        publish.delay(delivery_id=delivery_id)


def nudge_publications_after_commit(delivery_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    if delivery_ids:
        transaction.on_commit(lambda: nudge_publications(delivery_ids), robust=True)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def publish(self: Task, *, delivery_id: int) -> None:
    """Try once to write an owed publication; schedule the next try when one is due."""
    outcome = delivering.publish(delivery_id)
    deliveries.try_again_later(self, outcome.retry_in, delivery_id=delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def take_incoming(*, connection_id: int) -> int:
    """Take in the changes merged in one repository; return how many were new."""
    connection = RepositoryConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return 0
    try:
        return len(services.take_incoming(connection=connection))
    except RemoteError as error:
        # Shown on the connection's page; the next poll asks again.
        logger.warning("repository %s: %s", connection_id, error)
        return 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def poll_all() -> int:
    """Queue a look at every repository for merged changes (run by beat)."""
    ids = list(RepositoryConnection.objects.values_list("pk", flat=True))
    for connection_id in ids:
        take_incoming.delay(connection_id=connection_id)
    return len(ids)


def register_owed_kinds() -> None:
    """Let recovery and the health check see owed publications."""
    deliveries.register_owed_rows("publication", PublishDelivery, nudge_publications)
