"""Jira Cloud: create with an ADF description, find by label on retry, link, sync back."""

import hashlib
import hmac
import json
import uuid

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from incidents.models import TrackerIssue
from tests.trackers.conftest import JIRA_TOKEN
from trackers import creating, services
from trackers.models import TrackerIssueCreation

pytestmark = pytest.mark.django_db


def test_an_issue_is_created_with_adf_labels_and_the_owner_found_by_email(
    item, jira, jira_connection, httpserver
):
    jira.users.append(
        {
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            "accountType": "atlassian",
            "emailAddress": item.owner.email,
            "displayName": "Olivia",
            "active": True,
        }
    )
    services.issue_request(item=item, actor=item.owner)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    fields = jira.created[0]
    assert fields["project"] == {"key": "OPS"}
    assert fields["summary"] == "Alert on replica lag"
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["labels"] == ["postmortem", "prevent", "P3", f"postmortems-item-{item.pk}"]
    assert fields["assignee"] == {"accountId": "5b10ac8d82e05b22cc7d4ef5"}
    description = fields["description"]
    assert description["type"] == "doc" and description["version"] == 1
    texts = [node["content"][0]["text"] for node in description["content"]]
    assert texts[0] == "Page at 30 s of lag."
    link = description["content"][-1]["content"][0]
    assert link["marks"][0]["attrs"]["href"].endswith(f"#action-item-{item.pk}")
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.key, issue.state) == ("OPS-1", "open")
    assert issue.url == f"{jira.site}/browse/OPS-1"
    request = next(r for r, _ in httpserver.log if r.path == "/rest/api/3/issue")
    assert request.authorization.username == "bot@example.com"
    assert request.authorization.password == JIRA_TOKEN


def test_a_retry_finds_the_issue_by_its_label_instead_of_making_another(
    item, jira, jira_connection
):
    services.issue_request(item=item, actor=item.owner)
    jira.add_issue("Alert on replica lag", labels=["postmortem", f"postmortems-item-{item.pk}"])
    row = TrackerIssueCreation.objects.get()
    TrackerIssueCreation.objects.filter(pk=row.pk).update(attempts=1)
    creating.create_issue(row.pk)
    assert list(jira.issues) == ["OPS-1"] and jira.created == []
    assert TrackerIssue.objects.get(action_item=item).key == "OPS-1"


def test_a_jira_outage_is_retried_then_the_issue_is_made(item, jira, jira_connection):
    jira.fail_next("POST /rest/api/3/issue", 503, {"errorMessages": ["Service Unavailable"]})
    services.issue_request(item=item, actor=item.owner)
    row = TrackerIssueCreation.objects.get()
    creating.create_issue(row.pk)
    assert TrackerIssueCreation.objects.get().status == "pending"
    creating.create_issue(row.pk)
    assert TrackerIssue.objects.get(action_item=item).state == "open"
    assert len(jira.issues) == 1


def test_a_bad_field_fails_with_jiras_own_words(item, jira, jira_connection):
    jira.fail_next(
        "POST /rest/api/3/issue",
        400,
        {"errorMessages": [], "errors": {"issuetype": "The issue type selected is invalid."}},
    )
    services.issue_request(item=item, actor=item.owner)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    issue = TrackerIssue.objects.get(action_item=item)
    assert issue.state == "failed"
    assert "issuetype: The issue type selected is invalid." in issue.last_error


def test_linking_by_key_or_browse_url(client, item, jira, jira_connection):
    key = jira.add_issue("Replica lag", assignee={"accountId": "abc", "displayName": "Mia K"})
    client.force_login(item.owner)
    url = reverse("trackers:item", args=[item.pk])
    response = client.post(url, {"reference": "OPS-99"})
    assert "OPS-99 does not exist in OPS on" in response.content.decode()
    response = client.post(url, {"reference": f"{jira.site}/browse/{key}"})
    assert response.status_code == 302
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.key, issue.state, issue.assignee) == ("OPS-1", "open", "Mia K")


def jira_hook(client, connection, payload, secret="hook-secret", delivery=""):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("trackers:jira_hook", args=[connection.pk]), data=body,
        content_type="application/json",
        headers={"X-Hub-Signature": signature,
                 "X-Atlassian-Webhook-Identifier": delivery or str(uuid.uuid4())},
    )  # fmt: skip


def test_a_signed_jira_webhook_marks_the_item_done(client, item, jira, jira_connection):
    key = jira.add_issue("Replica lag")
    TrackerIssue.objects.create(action_item=item, kind="jira", key=key, state="open",
                                url=f"{jira.site}/browse/{key}")  # fmt: skip
    jira.close(key)
    assert jira_hook(client, jira_connection, jira.webhook(key), secret="nope").status_code == 401
    item.refresh_from_db()
    assert item.status == "open"
    assert jira_hook(client, jira_connection, jira.webhook(key)).status_code == 204
    item.refresh_from_db()
    assert item.status == "done"
    record = ChangeRecord.objects.get(event="action_item.status_changed")
    assert record.actor is None and record.note == "via Jira: OPS-1 was closed"


def test_marking_the_item_done_moves_the_jira_issue_by_a_done_transition(
    item, jira, jira_connection, django_capture_on_commit_callbacks
):
    from incidents.services import action_item_update

    key = jira.add_issue("Replica lag")
    TrackerIssue.objects.create(action_item=item, kind="jira", key=key, state="open",
                                url=f"{jira.site}/browse/{key}")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=item.owner, data={"status": "done"})
    assert jira.issues[key]["done"] is True
    assert TrackerIssue.objects.get(action_item=item).state == "closed"
