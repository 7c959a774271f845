"""Webhooks from the trackers: verify the signature, then take the issue's change in.

GitHub signs the raw body with the webhook's secret (HMAC-SHA256) in X-Hub-Signature-256;
a Jira admin webhook with a secret signs it the same way in X-Hub-Signature. Both are
`sha256=<hex>`. An answer says nothing about the app's items: a request that is not
signed with the connection's secret gets 401, whatever the connection id, and a signed
one 204, whether or not an item was linked to its issue.

Deliveries come late, out of order and, when someone presses "Redeliver", twice: a delivery
id already taken in is ignored (TrackerWebhookDelivery), and a change older than the state
held is ignored by tracker_issue_sync (the issue's `updated_at` against remote_updated_at).
"""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from incidents.models import TrackerIssue
from incidents.tracker_issues import tracker_issue_gone, tracker_issue_sync
from trackers import github_renames
from trackers.clients import GitHubClient, JiraClient
from trackers.crypto import SecretUnreadable
from trackers.models import TrackerConnection, TrackerWebhookDelivery

logger = logging.getLogger(__name__)

GITHUB_ACTIONS = {"opened", "edited", "closed", "reopened", "assigned", "unassigned"}
GITHUB_GONE = {"deleted", "transferred"}
JIRA_EVENTS = {"jira:issue_updated", "jira:issue_created"}


def signature_ok(connection: TrackerConnection, body: bytes, header: str) -> bool:
    try:
        secret = connection.webhook_secret
    except SecretUnreadable:
        return False
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _linked(connection: TrackerConnection, key: str) -> list[TrackerIssue]:
    return list(
        TrackerIssue.objects.filter(
            kind=connection.kind,
            key__iexact=key,
            state__in=TrackerIssue.LINKED_STATES,
            action_item__incident__team_id=connection.team_id,
        )
    )


def _first_delivery(connection: TrackerConnection, delivery_id: str) -> bool:
    """Note the delivery id; return False when it was taken in before (a replay)."""
    try:
        with transaction.atomic():
            TrackerWebhookDelivery.objects.create(
                connection=connection, delivery_id=delivery_id[:100]
            )
    except IntegrityError:
        return False
    return True


def receive(
    connection: TrackerConnection, *, event: str, body: bytes, delivery_id: str = ""
) -> int:
    """Apply a verified webhook's issue change once; return how many items it changed."""
    try:
        payload = json.loads(body)
    except ValueError:
        return 0
    if not isinstance(payload, dict):
        return 0
    # One transaction: a delivery that fails half way is not marked taken in, so the
    # tracker's redelivery applies it.
    with transaction.atomic():
        if delivery_id and not _first_delivery(connection, delivery_id):
            logger.info("webhook delivery %s for %s replayed; ignored", delivery_id, connection)
            return 0
        if connection.kind == TrackerConnection.Kind.GITHUB:
            return _github(connection, event, payload)
        return _jira(connection, payload)


def _github(connection: TrackerConnection, event: str, payload: dict) -> int:
    action = payload.get("action")
    if event != "issues" or action not in GITHUB_ACTIONS | GITHUB_GONE:
        return 0
    data = payload.get("issue") or {}
    repository = payload.get("repository") or {}
    if "number" not in data or not github_renames.is_our_repository(connection, repository):
        return 0
    remote = GitHubClient(connection)._issue(data)
    if action in GITHUB_GONE:
        return _gone(connection, remote.key, payload.get("changes") or {})
    return _apply(connection, remote)


def _gone(connection: TrackerConnection, key: str, changes: dict) -> int:
    """Note an issue deleted, or transferred (to changes' new_repository and new_issue)."""
    new_issue = changes.get("new_issue") or {}
    new_repo = (changes.get("new_repository") or {}).get("full_name", "")
    moved_to_key = f"{new_repo}#{new_issue['number']}" if new_repo and "number" in new_issue else ""
    return sum(
        tracker_issue_gone(
            issue=issue, moved_to_key=moved_to_key, moved_to_url=new_issue.get("html_url", "")
        )
        for issue in _linked(connection, key)
    )


def _apply(connection: TrackerConnection, remote) -> int:
    changed = 0
    for issue in _linked(connection, remote.key):
        result = tracker_issue_sync(
            issue=issue, state=remote.state, assignee=remote.assignee,
            not_planned=remote.not_planned, remote_updated_at=remote.updated_at,
        )  # fmt: skip
        changed += bool(result)
    return changed


def _jira(connection: TrackerConnection, payload: dict) -> int:
    if payload.get("webhookEvent") not in JIRA_EVENTS or "key" not in (payload.get("issue") or {}):
        return 0
    remote = JiraClient(connection)._issue(payload["issue"])
    if remote.updated_at is None and isinstance(payload.get("timestamp"), int):
        # The issue's `updated` field was left out: the event's own time (ms) stands in.
        remote.updated_at = datetime.fromtimestamp(payload["timestamp"] / 1000, tz=UTC)
    return _apply(connection, remote)
