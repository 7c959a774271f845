"""Celery tasks of trackers: thin wrappers that take ids and call trackers' modules.

Late acks and reject-on-worker-lost, like every task here: a task whose worker dies is
handed out again, and the claim on the row (plus the marker search) makes running twice
harmless.
"""

from datetime import timedelta

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone

from core import deliveries
from trackers import creating, reconcile
from trackers.models import (
    TrackerConnection,
    TrackerIssueCreation,
    TrackerIssueUpdate,
    TrackerWebhookDelivery,
)

# A redelivery is asked for by hand from the hook's recent deliveries, which GitHub keeps
# for a few days: a week of ids covers it.
DELIVERY_IDS_KEPT = timedelta(days=7)


def nudge_creations(creation_ids: list[int]) -> None:
    for creation_id in creation_ids:
        create_issue.delay(creation_id=creation_id)


def nudge_creations_after_commit(creation_ids: list[int]) -> None:
    # robust: a broker outage must not undo the rows; recovery nudges them later.
    if creation_ids:
        transaction.on_commit(lambda: nudge_creations(creation_ids), robust=True)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def create_issue(self: Task, *, creation_id: int) -> None:
    """Try once to create one owed issue; schedule the next try when one is due."""
    outcome = creating.create_issue(creation_id)
    deliveries.try_again_later(self, outcome.retry_in, creation_id=creation_id)


def nudge_updates(update_ids: list[int]) -> None:
    for update_id in update_ids:
        update_issue.delay(update_id=update_id)


def nudge_updates_after_commit(update_ids: list[int]) -> None:
    if update_ids:
        transaction.on_commit(lambda: nudge_updates(update_ids), robust=True)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def update_issue(self: Task, *, update_id: int) -> None:
    """Try once to close or reopen an issue as its item was; schedule the next try."""
    outcome = creating.update_issue(update_id)
    deliveries.try_again_later(self, outcome.retry_in, update_id=update_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_connection(*, connection_id: int, issue_ids: list[int] | None = None) -> int:
    """Bring one connection's issues (or just these) in step; return how many changed."""
    connection = TrackerConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return 0
    return reconcile.reconcile(connection, issue_ids=issue_ids).changed


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reconcile_all() -> int:
    """Queue a reconcile of every connection (run by beat); forget week-old delivery ids."""
    TrackerWebhookDelivery.objects.filter(
        received_at__lt=timezone.now() - DELIVERY_IDS_KEPT
    ).delete()
    ids = list(TrackerConnection.objects.values_list("pk", flat=True))
    for connection_id in ids:
        reconcile_connection.delay(connection_id=connection_id)
    return len(ids)


def register_owed_kinds() -> None:
    """Let recovery and the health check see owed issues."""
    deliveries.register_owed_rows("tracker_issue", TrackerIssueCreation, nudge_creations)
    deliveries.register_owed_rows("tracker_state", TrackerIssueUpdate, nudge_updates)
