"""Writes of trackers: connections, asking for an issue, linking one, taking a change in."""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.models import Delivery
from incidents.models import ActionItem, Team, TrackerIssue, User
from incidents.permissions import can_edit_action_item
from incidents.tracker_issues import tracker_issue_link, tracker_issue_request
from trackers import tasks
from trackers.clients import TrackerError, client_for
from trackers.models import TrackerConnection, TrackerIssueCreation, new_webhook_secret

logger = logging.getLogger(__name__)


def connection_for(item: ActionItem) -> TrackerConnection | None:
    """Return the tracker of the item's incident's team, or None."""
    if item.incident.team_id is None:
        return None
    return TrackerConnection.objects.filter(team_id=item.incident.team_id).first()


@sensitive_variables("token", "new_secret")
def connection_save(
    *, connection: TrackerConnection, token: str, actor: User
) -> tuple[TrackerConnection, str]:
    """Save a connection (its token encrypted); return it and a new webhook secret, if any.

    An empty token keeps the saved one. The webhook secret is made with the connection and
    returned only here, to be shown once.
    """
    new_secret = ""
    if token:
        connection.set_token(token)
    if not connection.token_encrypted:
        raise ValidationError({"token": "Enter the token."})
    if not connection.webhook_secret_encrypted:
        new_secret = new_webhook_secret()
        connection.set_webhook_secret(new_secret)
    created = connection.pk is None
    if created:
        connection.created_by = actor
    connection.full_clean()
    connection.save()
    if created:
        _link_existing_tracker_urls(connection)
    return connection, new_secret


def _link_existing_tracker_urls(connection: TrackerConnection) -> None:
    """Link the team's items whose tracker URL names an issue of the new connection."""
    items = ActionItem.objects.filter(incident__team_id=connection.team_id).exclude(tracker_url="")
    made = links_from_tracker_urls(items=list(items), connection=connection)
    if made:
        transaction.on_commit(
            lambda: tasks.reconcile_connection.delay(connection_id=connection.pk, issue_ids=made),
            robust=True,
        )


def webhook_secret_renew(*, connection: TrackerConnection) -> str:
    """Replace the webhook secret; return the new one, to be shown once."""
    secret = new_webhook_secret()
    connection.set_webhook_secret(secret)
    connection.save(update_fields=["webhook_secret_encrypted", "updated_at"])
    return secret


@transaction.atomic
def connection_delete(*, connection: TrackerConnection) -> None:
    """Disconnect the tracker; issues still being made for it say why they never will be."""
    TrackerIssue.objects.filter(
        action_item__tracker_issue_creation__connection=connection,
        state=TrackerIssue.State.CREATING,
    ).update(state=TrackerIssue.State.FAILED, last_error="The tracker was disconnected.")
    connection.delete()


def connection_check(*, connection: TrackerConnection) -> tuple[bool, str]:
    """Ask the tracker whether the connection works; keep and return the answer."""
    try:
        ok, message = True, client_for(connection).check()
    except TrackerError as error:
        ok, message = False, str(error)
    connection.last_checked_at, connection.last_check_ok = timezone.now(), ok
    connection.last_check_message = message[:500]
    TrackerConnection.objects.filter(pk=connection.pk).update(
        last_checked_at=connection.last_checked_at,
        last_check_ok=ok,
        last_check_message=connection.last_check_message,
    )
    return ok, message


class NoTracker(Exception):
    """The item's team has no tracker connection."""


@transaction.atomic
def issue_request(*, item: ActionItem, actor: User | None) -> TrackerIssue:
    """Owe the item an issue in its team's tracker, once; a worker creates it after commit.

    Asking again while it is being made (a double click) or once it exists does nothing;
    asking after a failure tries again from the start.
    """
    connection = connection_for(item)
    if connection is None:
        raise NoTracker(f"{item.incident.team or 'The incident'} has no tracker connected.")
    issue, new = tracker_issue_request(item=item, kind=connection.kind)
    if not new:
        return issue
    row, created = TrackerIssueCreation.objects.select_for_update().get_or_create(
        action_item=item, defaults={"connection": connection, "requested_by": actor}
    )
    if not created:
        if row.status in (Delivery.Status.PENDING, Delivery.Status.SENDING):
            return issue
        row.connection, row.requested_by = connection, actor
        row.status, row.attempts, row.next_attempt_at, row.last_error = "pending", 0, None, ""
        row.claim_token = None
        row.save()
    tasks.nudge_creations_after_commit([row.pk])
    return issue


@dataclass
class BulkRequest:
    requested: list[ActionItem] = field(default_factory=list)
    had_one: list[ActionItem] = field(default_factory=list)
    refused: list[ActionItem] = field(default_factory=list)
    no_tracker: list[ActionItem] = field(default_factory=list)

    def summary(self) -> str:
        n = len(self.requested)
        parts = [f"Creating {n} issue{'s' if n != 1 else ''}"]
        if self.had_one:
            parts.append(f"{len(self.had_one)} already had one")
        if self.refused:
            parts.append(f"refused {len(self.refused)} you may not edit")
        if self.no_tracker:
            parts.append(f"{len(self.no_tracker)} of teams without a tracker")
        return "; ".join(parts) + "."


def issues_request_bulk(*, items, actor: User) -> BulkRequest:
    """Owe an issue to each item the actor may edit; report what happened to each."""
    result = BulkRequest()
    for item in items:
        if not can_edit_action_item(actor, item):
            result.refused.append(item)
            continue
        issue = getattr(item, "tracker_issue", None)
        if issue is not None and issue.state != TrackerIssue.State.FAILED:
            result.had_one.append(item)
            continue
        try:
            issue_request(item=item, actor=actor)
        except NoTracker:
            result.no_tracker.append(item)
        else:
            result.requested.append(item)
    return result


def issue_link(*, item: ActionItem, reference: str, actor: User) -> TrackerIssue:
    """Link the item to an existing issue of its team's tracker, named by URL or key.

    Raise ValidationError (for the form) when the reference is not an issue of that
    tracker or the tracker does not know it.
    """
    connection = connection_for(item)
    if connection is None:
        raise ValidationError(f"{item.incident.team or 'The incident'} has no tracker connected.")
    client = client_for(connection)
    key = client.parse_reference(reference)
    if key is None:
        example = (
            f"https://github.com/{connection.github_repository}/issues/12 or #12"
            if connection.kind == TrackerConnection.Kind.GITHUB
            else f"{connection.jira_project_key}-12"
        )
        raise ValidationError(
            f"That is not an issue of {connection.target}; paste its URL or key, e.g. {example}."
        )
    try:
        remote = client.get_issue(key)
    except TrackerError as error:
        if error.status == 404:
            raise ValidationError(f"{key} does not exist in {connection.target}.") from None
        raise ValidationError(str(error)) from None
    return tracker_issue_link(
        item=item,
        kind=connection.kind,
        key=remote.key,
        url=remote.url,
        state=remote.state,
        assignee=remote.assignee,
        etag=remote.etag,
        remote_updated_at=remote.updated_at,
        actor=actor,
    )


def links_from_tracker_urls(*, items: list[ActionItem], connection: TrackerConnection) -> list[int]:
    """Link items whose tracker URL names an issue of the connection, unchecked for now.

    Return the ids of the issues made; a worker checks each with the tracker after commit.
    """
    client = client_for(connection)
    made = []
    for item in items:
        key = client.parse_reference(item.tracker_url) if item.tracker_url else None
        if key is None or TrackerIssue.objects.filter(action_item=item).exists():
            continue
        url = item.tracker_url
        issue = TrackerIssue.objects.create(
            action_item=item, kind=connection.kind, key=key, url=url,
            state=TrackerIssue.State.UNCHECKED,
        )  # fmt: skip
        made.append(issue.pk)
    return made


def team_connection(team: Team) -> TrackerConnection | None:
    return TrackerConnection.objects.filter(team=team).first()


def gone_issues(connection: TrackerConnection, *, user: User) -> list[TrackerIssue]:
    """Return the team's issues of this tracker deleted or moved there, that user may see."""
    return list(
        TrackerIssue.objects.filter(
            kind=connection.kind,
            state__in=[TrackerIssue.State.DELETED, TrackerIssue.State.MOVED],
            action_item__incident__team_id=connection.team_id,
            action_item__in=ActionItem.objects.visible_to(user),
        )
        .select_related("action_item", "action_item__incident")
        .order_by("-synced_at", "-pk")[:100]
    )
