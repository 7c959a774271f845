"""Issues deleted or transferred in the tracker: noticed, shown on the item and the connection."""

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from incidents.models import TrackerIssue
from tests.trackers.test_github import linked, post_hook
from trackers import reconcile, services
from trackers.models import TrackerIssueCreation

pytestmark = pytest.mark.django_db


def test_reconcile_notices_a_deleted_issue_and_both_pages_say_so(
    client, item, manager, github, github_connection
):
    linked(item, github)
    reconcile.reconcile(github_connection)  # seen once, alive
    github.delete(1)
    result = reconcile.reconcile(github_connection)
    issue = TrackerIssue.objects.get()
    assert issue.state == "deleted" and result.changed == 1
    item.refresh_from_db()
    assert item.status == "open"  # the item keeps its status
    record = ChangeRecord.objects.get(event="action_item.tracker_synced")
    assert record.actor is None and record.note == "via GitHub: acme/web#1 was deleted"
    client.force_login(manager)
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "The issue was deleted in GitHub." in page
    assert "Create issue in GitHub" in page
    page = client.get(github_connection.get_absolute_url()).content.decode()
    assert "Issues gone from GitHub" in page and "acme/web#1 was deleted in GitHub." in page
    # Gone issues are no longer asked about.
    assert reconcile.reconcile(github_connection).asked == 0


def test_a_deleted_issue_can_be_replaced_by_a_new_one(item, github, github_connection):
    linked(item, github)
    github.delete(1)
    reconcile.reconcile(github_connection)
    services.issue_request(item=item, actor=item.owner)
    from trackers import creating

    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    issue = TrackerIssue.objects.get()
    assert issue.state == "open" and issue.key == "acme/web#2"


def test_reconcile_follows_a_transferred_issue_to_its_new_repository(
    client, item, manager, github, github_connection
):
    linked(item, github)
    github.transfer(1, "acme/platform", 7)
    reconcile.reconcile(github_connection)
    issue = TrackerIssue.objects.get()
    assert issue.state == "moved" and issue.key == "acme/platform#7"
    assert issue.url == "https://github.com/acme/platform/issues/7"
    client.force_login(manager)
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "The issue was moved" in page and "acme/platform#7" in page
    page = client.get(github_connection.get_absolute_url()).content.decode()
    assert "acme/web#1 was moved to acme/platform#7 in GitHub." in page


def test_deleted_and_transferred_webhooks_are_taken_in(client, item, github, github_connection):
    from tests.factories import ActionItemFactory

    other = ActionItemFactory(incident=item.incident)
    linked(item, github)
    linked(other, github)
    github.delete(1)
    post_hook(client, github_connection, github.webhook(1, "deleted"))
    github.transfer(2, "acme/platform", 9)
    post_hook(client, github_connection, github.webhook(2, "transferred"))
    states = dict(TrackerIssue.objects.values_list("action_item_id", "state"))
    assert states == {item.pk: "deleted", other.pk: "moved"}
    assert TrackerIssue.objects.get(action_item=other).key == "acme/platform#9"


def test_jira_notices_a_deleted_issue(item, jira, jira_connection):
    TrackerIssue.objects.create(action_item=item, kind="jira", key="OPS-40", state="open",
                                url=f"{jira.site}/browse/OPS-40")  # fmt: skip
    reconcile.reconcile(jira_connection)
    issue = TrackerIssue.objects.get()
    assert issue.state == "deleted" and issue.last_error == "OPS-40 was deleted in Jira."
