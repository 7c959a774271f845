"""Create one owed issue: claim the row, look for an earlier copy, create, link.

The row (TrackerIssueCreation) is written before any call. A try after the first asks the
tracker for an issue carrying the item's marker before creating one: the first try may
have made the issue and died before it could say so. Transient failures (the tracker
down, a rate limit) are handed back with backoff, or after the tracker's Retry-After;
others fail at once, and the item shows why with a retry button.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from core import deliveries
from core.models import Delivery
from incidents.models import ActionItem, TrackerIssue
from incidents.tracker_issues import (
    tracker_issue_failed,
    tracker_issue_link,
    tracker_issue_note_error,
    tracker_issue_sync,
)
from trackers import content
from trackers.clients import GitHubClient, RemoteIssue, TrackerError, client_for
from trackers.models import TrackerIssueCreation, TrackerIssueUpdate, jira_marker_label

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    retry_in: int | None = None


def _create(row: TrackerIssueCreation, item: ActionItem) -> tuple[RemoteIssue, str]:
    """Return the issue made (or found made by an earlier try), and a note for the item."""
    client = client_for(row.connection)
    if isinstance(client, GitHubClient):
        if row.attempts > 1:
            found = client.find_by_marker(row.marker, since=row.created_at)
            if found is not None:
                logger.info("issue for item %s found by its marker: %s", item.pk, found.key)
                return found, ""
        assignee = content.github_assignee(item, client)
        remote = client.create_issue(
            title=item.title,
            body=content.github_body(item),
            labels=content.labels_for(item),
            assignee=assignee.login,
        )
        return remote, assignee.why_not or _dropped(remote, assignee.login, client)
    if row.attempts > 1:
        found = client.find_by_label(jira_marker_label(item.pk))
        if found is not None:
            return found, ""
    remote = client.create_issue(
        title=item.title,
        description=content.jira_description(item),
        labels=content.jira_labels(item),
        account_id=content.jira_account_id(item, client),
    )
    return remote, ""


def _dropped(remote: RemoteIssue, login: str, client: GitHubClient) -> str:
    """Say so when GitHub made the issue without the labels and assignee it was given.

    GitHub drops both silently when the token's user has no push access to the repository.
    """
    if remote.labels is None or remote.labels:
        return ""
    return (
        f"GitHub made the issue without its labels{' and assignee' if login else ''}: the "
        f"token's user has no push (Write) access to {client.repository}. Give it Write "
        "access, or label and assign the issue in GitHub."
    )


def create_issue(creation_id: int) -> Outcome:
    """Claim one owed issue and try once to make it; return when to try again, if ever."""
    row = deliveries.claim(TrackerIssueCreation, creation_id)
    if row is None:
        return Outcome()
    item = (
        ActionItem.objects.select_related("incident", "owner", "tracker_issue")
        .filter(pk=row.action_item_id)
        .first()
    )
    issue = getattr(item, "tracker_issue", None) if item else None
    if item is None or issue is None or issue.is_linked:
        deliveries.finish(row, Delivery.Status.SKIPPED)  # deleted, or linked by hand since
        return Outcome()
    if not deliveries.renew_claim(row):
        return Outcome()  # another worker took the row over and makes the issue
    try:
        remote, note = _create(row, item)
    except TrackerError as error:
        return _failed(row, issue, error)
    with transaction.atomic():
        tracker_issue_link(
            item=item,
            kind=issue.kind,
            key=remote.key,
            url=remote.url,
            state=remote.state,
            assignee=remote.assignee,
            remote_updated_at=remote.updated_at,
            actor=None,
            creation_note=note,
        )
        deliveries.finish(row, Delivery.Status.SENT)
    return Outcome()


def _failed_try(row: Delivery, error: TrackerError) -> deliveries.FailedTry:
    """Hand the row back when the tracker may answer later (as long as it asked), else fail it."""
    return deliveries.retry_or_fail(
        row,
        error,
        may_retry=error.transient and row.attempts < settings.TRACKER_MAX_ATTEMPTS,
        retry_in=error.retry_after,
        max_wait=24 * 3600,
    )


def _failed(row: TrackerIssueCreation, issue: TrackerIssue, error: TrackerError) -> Outcome:
    failed = _failed_try(row, error)
    if failed.retry_in is not None:
        TrackerIssue.objects.filter(pk=issue.pk).update(last_error=str(error)[:500])
    elif failed.failed:
        tracker_issue_failed(issue=issue, error=str(error))
    return Outcome(retry_in=failed.retry_in)


def update_issue(update_id: int) -> Outcome:
    """Claim one owed state change of an issue and try once to make it."""
    row = deliveries.claim(TrackerIssueUpdate, update_id)
    if row is None:
        return Outcome()
    issue = TrackerIssue.objects.filter(pk=row.issue_id).first()
    if issue is None or not issue.is_linked or issue.state == row.state:
        deliveries.finish(row, Delivery.Status.SKIPPED)  # gone, or already so there
        return Outcome()
    if not deliveries.renew_claim(row):
        return Outcome()
    client = client_for(row.connection)
    try:
        remote = client.set_state(
            issue.key, closed=row.state == TrackerIssue.State.CLOSED, not_planned=row.not_planned
        )
    except TrackerError as error:
        failed = _failed_try(row, error)
        if failed.failed:
            tracker_issue_note_error(issue=issue, error=str(error))
        return Outcome(retry_in=failed.retry_in)
    with transaction.atomic():
        # The item already has this status: taking the issue's state records nothing.
        tracker_issue_sync(issue=issue, state=remote.state, assignee=remote.assignee,
                           etag=remote.etag, remote_updated_at=remote.updated_at)  # fmt: skip
        deliveries.finish(row, Delivery.Status.SENT)
    return Outcome()
