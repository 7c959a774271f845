"""Webhooks arrive late, out of order and twice: only the newest state counts, once."""

import pytest

from incidents.models import TrackerIssue
from tests.trackers.test_github import linked, post_hook
from tests.trackers.test_jira import jira_hook
from trackers.models import TrackerWebhookDelivery
from trackers.tasks import reconcile_all

pytestmark = pytest.mark.django_db


def test_a_replayed_delivery_is_ignored(client, item, github, github_connection):
    linked(item, github)
    github.close(1)
    closed = github.webhook(1, "closed")
    assert post_hook(client, github_connection, closed, delivery="d-1").status_code == 204
    github.reopen(1)
    post_hook(client, github_connection, github.webhook(1, "reopened"), delivery="d-2")
    item.refresh_from_db()
    assert item.status == "open"
    # Someone presses "Redeliver" on the old "closed" delivery: same id, same body.
    assert post_hook(client, github_connection, closed, delivery="d-1").status_code == 204
    item.refresh_from_db()
    assert item.status == "open"
    assert TrackerWebhookDelivery.objects.filter(connection=github_connection).count() == 2


def test_a_late_closed_event_does_not_overwrite_a_newer_reopen(
    client, item, github, github_connection
):
    issue = linked(item, github)
    github.close(1)
    closed = github.webhook(1, "closed")  # made at the close, delivered late
    github.reopen(1)
    post_hook(client, github_connection, github.webhook(1, "reopened"))
    post_hook(client, github_connection, closed)
    item.refresh_from_db()
    issue.refresh_from_db()
    assert item.status == "open" and issue.state == "open"
    assert issue.remote_updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") == github.issues[1]["updated_at"]


def test_a_late_event_older_than_our_own_change_is_ignored(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    from incidents.services import action_item_update

    linked(item, github)
    stale_open = github.webhook(1, "edited")  # an edit made while the issue was open
    with django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=item.owner, data={"status": "done"})
    assert github.issues[1]["state"] == "closed"
    post_hook(client, github_connection, stale_open)
    item.refresh_from_db()
    assert item.status == "done"
    assert TrackerIssue.objects.get().state == "closed"


def test_a_jira_retry_with_the_same_identifier_is_ignored(client, item, jira, jira_connection):
    key = jira.add_issue("Replica lag")
    TrackerIssue.objects.create(action_item=item, kind="jira", key=key, state="open",
                                url=f"{jira.site}/browse/{key}")  # fmt: skip
    jira.close(key)
    done = jira.webhook(key)
    jira_hook(client, jira_connection, done, delivery="j-1")
    jira.reopen(key)
    jira_hook(client, jira_connection, jira.webhook(key), delivery="j-2")
    jira_hook(client, jira_connection, done, delivery="j-1")
    jira_hook(client, jira_connection, done, delivery="j-3")  # the same event, late
    item.refresh_from_db()
    assert item.status == "open"


def test_delivery_ids_are_forgotten_after_a_week(github_connection):
    from datetime import timedelta

    from django.utils import timezone

    TrackerWebhookDelivery.objects.create(
        connection=github_connection, delivery_id="old",
        received_at=timezone.now() - timedelta(days=8),
    )  # fmt: skip
    TrackerWebhookDelivery.objects.create(connection=github_connection, delivery_id="new")
    reconcile_all.apply()
    assert list(TrackerWebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["new"]
