"""Webhooks from the trackers: verify the signature, then take the issue's change in.

GitHub signs the raw body with the webhook's secret (HMAC-SHA256) in X-Hub-Signature-256;
a Jira admin webhook with a secret signs it the same way in X-Hub-Signature. Both are
`sha256=<hex>`. An answer says nothing about the app's items: a request that is not
signed with the connection's secret gets 401, whatever the connection id, and a signed
one 204, whether or not an item was linked to its issue.
"""

import hashlib
import hmac
import json
import logging

from incidents.models import TrackerIssue
from incidents.tracker_issues import tracker_issue_sync
from trackers.clients import GitHubClient, JiraClient
from trackers.crypto import SecretUnreadable
from trackers.models import TrackerConnection

logger = logging.getLogger(__name__)

GITHUB_ACTIONS = {"opened", "edited", "closed", "reopened", "assigned", "unassigned"}
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


def receive(connection: TrackerConnection, *, event: str, body: bytes) -> int:
    """Apply a verified webhook's issue change; return how many items it changed."""
    try:
        payload = json.loads(body)
    except ValueError:
        return 0
    if not isinstance(payload, dict):
        return 0
    if connection.kind == TrackerConnection.Kind.GITHUB:
        return _github(connection, event, payload)
    return _jira(connection, payload)


def _github(connection: TrackerConnection, event: str, payload: dict) -> int:
    if event != "issues" or payload.get("action") not in GITHUB_ACTIONS:
        return 0
    repo = (payload.get("repository") or {}).get("full_name", "")
    data = payload.get("issue") or {}
    if repo.lower() != connection.github_repository.lower() or "number" not in data:
        return 0
    remote = GitHubClient(connection)._issue(data)
    changed = 0
    for issue in _linked(connection, remote.key):
        result = tracker_issue_sync(
            issue=issue, state=remote.state, assignee=remote.assignee,
            not_planned=remote.not_planned,
        )  # fmt: skip
        changed += bool(result)
    return changed


def _jira(connection: TrackerConnection, payload: dict) -> int:
    if payload.get("webhookEvent") not in JIRA_EVENTS or "key" not in (payload.get("issue") or {}):
        return 0
    remote = JiraClient(connection)._issue(payload["issue"])
    changed = 0
    for issue in _linked(connection, remote.key):
        result = tracker_issue_sync(
            issue=issue, state=remote.state, assignee=remote.assignee,
            not_planned=remote.not_planned,
        )  # fmt: skip
        changed += bool(result)
    return changed
