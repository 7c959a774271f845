"""Catch what the trackers' webhooks missed: ask what changed since the last pass.

Run by beat every TRACKER_RECONCILE_INTERVAL_SECONDS (an hour). Each pass asks the tracker
for every issue changed since the connection's high-water mark (GitHub's issue list with
`since`, Jira's JQL on `updated`), oldest change first, and applies those linked to items
here, whatever their state: a reopen whose webhook was lost is seen like any other change.
The mark moves to the newest change seen, in the tracker's clock, after each page, so a
pass cut short by the budget or a rate limit goes on from there next time. Issues never
looked at yet (linked by URL) are then asked one by one (Jira: 50 keys per search).

A deleted or transferred issue is in no list of changes: what is left of the budget asks
after the issues looked at longest ago (GitHub conditionally: an unchanged issue answers
304, which costs no rate limit), so each is checked every few passes; one that is gone is
noted on its item (tracker_issue_gone) and no longer kept in step.

A pass makes at most TRACKER_RECONCILE_REQUEST_BUDGET calls per connection.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone

from incidents.models import TrackerIssue
from incidents.tracker_issues import (
    tracker_issue_gone,
    tracker_issue_note_error,
    tracker_issue_sync,
)
from trackers.clients import (
    GitHubClient,
    IssueGone,
    JiraClient,
    RemoteIssue,
    TrackerError,
    client_for,
)
from trackers.models import TrackerConnection

logger = logging.getLogger(__name__)

JIRA_BATCH = 50
# A first pass starts a little before the oldest look we took: our clock is not the tracker's.
FIRST_PASS_MARGIN = timedelta(minutes=5)


@dataclass
class Reconciled:
    asked: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0
    requests: int = 0


class BudgetSpent(Exception):
    """The pass made all the calls it may; the next one goes on."""


@dataclass
class Budget:
    left: int

    def spend(self, result: Reconciled) -> None:
        if self.left <= 0:
            raise BudgetSpent
        self.left -= 1
        result.requests += 1

    def refund(self, result: Reconciled) -> None:
        self.left += 1
        result.requests -= 1


def connection_issues(connection: TrackerConnection) -> QuerySet:
    """Return the linked issues of the project the connection points at now."""
    # Keys start with the repository or project the connection names today.
    prefix = (
        f"{connection.github_repository}#"
        if connection.kind == TrackerConnection.Kind.GITHUB
        else f"{connection.jira_project_key}-"
    )
    return TrackerIssue.objects.filter(
        kind=connection.kind,
        key__istartswith=prefix,
        state__in=TrackerIssue.LINKED_STATES,
        action_item__incident__team_id=connection.team_id,
    )


def _apply(issue: TrackerIssue, remote: RemoteIssue) -> bool:
    return bool(
        tracker_issue_sync(
            issue=issue,
            state=remote.state,
            assignee=remote.assignee,
            etag=remote.etag,
            not_planned=remote.not_planned,
            remote_updated_at=remote.updated_at,
        )
    )


def _count(result: Reconciled, changed: bool) -> None:
    if changed:
        result.changed += 1
    else:
        result.unchanged += 1


def _since(connection: TrackerConnection) -> datetime:
    if connection.reconciled_through is not None:
        return connection.reconciled_through
    oldest = connection_issues(connection).aggregate(oldest=Min("synced_at"))["oldest"]
    return (oldest or connection.created_at) - FIRST_PASS_MARGIN


def reconcile(connection: TrackerConnection, *, issue_ids: list[int] | None = None) -> Reconciled:
    """Bring the connection's issues in step with the tracker (or look at just these)."""
    result = Reconciled()
    budget = Budget(settings.TRACKER_RECONCILE_REQUEST_BUDGET)
    client = client_for(connection)
    started = timezone.now()
    try:
        if issue_ids is None:
            _changed_since(connection, client, budget, result)
            first_looks = connection_issues(connection).filter(state=TrackerIssue.State.UNCHECKED)
        else:
            first_looks = TrackerIssue.objects.filter(pk__in=issue_ids, kind=connection.kind)
        _look_at(client, list(first_looks.order_by("pk")), budget, result)
        if issue_ids is None:
            per_call = JIRA_BATCH if isinstance(client, JiraClient) else 1
            _look_at(client, _least_recently_seen(connection, started)[: budget.left * per_call],
                     budget, result)  # fmt: skip
    except BudgetSpent:
        logger.info("reconcile of %s used its budget; the next pass goes on", connection)
    except TrackerError as error:
        # The tracker is down or rate-limiting: the next pass carries on from the mark.
        logger.warning("reconcile of %s stopped: %s", connection, error)
        result.errors += 1
    return result


def _changed_since(
    connection: TrackerConnection, client, budget: Budget, result: Reconciled
) -> None:
    """Apply every change since the mark to the issues linked here; move the mark page by page."""
    mark = _since(connection)
    pages = client.changed_since(mark)
    while True:
        budget.spend(result)
        page = next(pages, None)
        if page is None:
            budget.refund(result)  # the last page had no next one: nothing was asked
            return
        keys = {remote.key.lower(): remote for remote in page}
        linked = connection_issues(connection).filter(key__in=[r.key for r in page])
        for issue in linked:
            remote = keys.get(issue.key.lower())
            if remote is not None:
                result.asked += 1
                _count(result, _apply(issue, remote))
        newest = max((r.updated_at for r in page if r.updated_at), default=None)
        if newest is not None and newest > mark:
            mark = newest
            TrackerConnection.objects.filter(pk=connection.pk).update(reconciled_through=mark)
            connection.reconciled_through = mark


def _least_recently_seen(connection: TrackerConnection, started: datetime) -> list[TrackerIssue]:
    """Return the linked issues not seen in this pass, those seen longest ago first."""
    return list(
        connection_issues(connection)
        .filter(Q(synced_at__lt=started) | Q(synced_at__isnull=True))
        .order_by(F("synced_at").asc(nulls_first=True), "pk")
    )


def _gone(issue: TrackerIssue, gone: IssueGone, result: Reconciled) -> None:
    tracker_issue_gone(issue=issue, moved_to_key=gone.moved_to_key, moved_to_url=gone.moved_to_url)
    result.changed += 1


def _look_at(client, issues: list[TrackerIssue], budget: Budget, result: Reconciled) -> None:
    if isinstance(client, JiraClient):
        for start in range(0, len(issues), JIRA_BATCH):
            _look_at_jira(client, issues[start : start + JIRA_BATCH], budget, result)
        return
    for issue in issues:
        budget.spend(result)
        _look_at_github(client, issue, result)


def _look_at_github(client: GitHubClient, issue: TrackerIssue, result: Reconciled) -> None:
    result.asked += 1
    try:
        remote = client.get_issue(issue.key, etag=issue.etag)
    except IssueGone as gone:
        _gone(issue, gone, result)
        return
    except TrackerError as error:
        if error.transient:
            raise
        tracker_issue_note_error(issue=issue, error=str(error))
        result.errors += 1
        return
    if remote is None:
        TrackerIssue.objects.filter(pk=issue.pk).update(synced_at=timezone.now())
        result.unchanged += 1
    else:
        _count(result, _apply(issue, remote))


def _look_at_jira(
    client: JiraClient, issues: list[TrackerIssue], budget: Budget, result: Reconciled
) -> None:
    budget.spend(result)
    result.asked += len(issues)
    found: dict[str, RemoteIssue | None]
    try:
        found = dict(client.get_issues([issue.key for issue in issues]))
    except TrackerError as error:
        if error.transient or error.status != 400:
            raise
        found = {}  # JQL refuses the whole search when one key no longer exists
    # A key the search did not answer for is asked alone: Jira answers a moved issue's old
    # key with its new one, and a deleted one with 404.
    for issue in issues:
        if issue.key in found:
            continue
        budget.spend(result)
        try:
            found[issue.key] = client.get_issue(issue.key)
        except TrackerError as one_error:
            if one_error.transient:
                raise
            if one_error.status == 404:
                found[issue.key] = None
    for issue in issues:
        remote = found.get(issue.key, False)
        if remote is None:
            _gone(issue, IssueGone(f"{issue.key} was deleted in Jira."), result)
        elif remote is False:
            tracker_issue_note_error(issue=issue, error=f"Jira did not answer for {issue.key}.")
            result.errors += 1
        elif remote.key != issue.key:
            _gone(issue, IssueGone("", moved_to_key=remote.key, moved_to_url=remote.url), result)
        else:
            _count(result, _apply(issue, remote))
