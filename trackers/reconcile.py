"""Catch what the trackers' webhooks missed: ask for the state of every issue that matters.

Run by beat every TRACKER_RECONCILE_INTERVAL_SECONDS (an hour), so an item never stays open
for more than a day after its issue closed, even with every webhook lost. Batched per
connection: GitHub with conditional requests (an unchanged issue answers 304, which costs
no rate limit), Jira with one search per 50 keys.
"""

import logging
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.models import ActionItem, TrackerIssue
from incidents.tracker_issues import tracker_issue_note_error, tracker_issue_sync
from trackers.clients import GitHubClient, TrackerError, client_for
from trackers.models import TrackerConnection

logger = logging.getLogger(__name__)

JIRA_BATCH = 50


@dataclass
class Reconciled:
    asked: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0


def issues_to_reconcile(connection: TrackerConnection) -> QuerySet:
    """Return the connection's issues whose state can still change an item or the board.

    Open and unchecked ones, and closed ones whose item is still open here.
    """
    # Issues of the project the connection points at now: keys start with it.
    prefix = (
        f"{connection.github_repository}#"
        if connection.kind == TrackerConnection.Kind.GITHUB
        else f"{connection.jira_project_key}-"
    )
    return (
        TrackerIssue.objects.filter(
            kind=connection.kind,
            key__istartswith=prefix,
            action_item__incident__team_id=connection.team_id,
        )
        .filter(
            Q(state__in=[TrackerIssue.State.OPEN, TrackerIssue.State.UNCHECKED])
            | Q(state=TrackerIssue.State.CLOSED, action_item__status__in=ActionItem.OPEN_STATUSES)
        )
        .order_by("synced_at", "pk")
    )


def _apply(issue: TrackerIssue, remote) -> bool:
    return bool(
        tracker_issue_sync(
            issue=issue,
            state=remote.state,
            assignee=remote.assignee,
            etag=remote.etag,
            not_planned=remote.not_planned,
        )
    )


def reconcile(connection: TrackerConnection, *, issue_ids: list[int] | None = None) -> Reconciled:
    """Bring the connection's issues (or just these) in step with the tracker."""
    issues = list(
        issues_to_reconcile(connection)
        if issue_ids is None
        else TrackerIssue.objects.filter(pk__in=issue_ids, kind=connection.kind)
    )
    result = Reconciled(asked=len(issues))
    client = client_for(connection)
    try:
        if isinstance(client, GitHubClient):
            for issue in issues:
                _reconcile_github(client, issue, result)
        else:
            for start in range(0, len(issues), JIRA_BATCH):
                _reconcile_jira(client, issues[start : start + JIRA_BATCH], result)
    except TrackerError as error:
        # The tracker is down or rate-limiting: the next sweep carries on.
        logger.warning("reconcile of %s stopped: %s", connection, error)
        result.errors += 1
    return result


def _reconcile_github(client: GitHubClient, issue: TrackerIssue, result: Reconciled) -> None:
    try:
        remote = client.get_issue(issue.key, etag=issue.etag)
    except TrackerError as error:
        if error.transient:
            raise
        tracker_issue_note_error(issue=issue, error=str(error))
        result.errors += 1
        return
    if remote is None:
        TrackerIssue.objects.filter(pk=issue.pk).update(synced_at=timezone.now())
        result.unchanged += 1
    elif _apply(issue, remote):
        result.changed += 1
    else:
        result.unchanged += 1


def _reconcile_jira(client, issues: list[TrackerIssue], result: Reconciled) -> None:
    try:
        found = client.get_issues([issue.key for issue in issues])
    except TrackerError as error:
        if error.transient or error.status != 400:
            raise
        # JQL refuses the whole search when one key no longer exists: ask one by one.
        found = {}
        for issue in issues:
            try:
                found[issue.key] = client.get_issue(issue.key)
            except TrackerError as one_error:
                if one_error.transient:
                    raise
    for issue in issues:
        remote = found.get(issue.key)
        if remote is None:
            tracker_issue_note_error(issue=issue, error=f"{issue.key} was not found in Jira.")
            result.errors += 1
        elif _apply(issue, remote):
            result.changed += 1
        else:
            result.unchanged += 1
