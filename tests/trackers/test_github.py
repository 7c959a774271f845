"""GitHub Issues: create from an item (once), link by URL, take state back (webhook, sweep)."""

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import ChangeRecord
from incidents.models import ActionItem, TrackerIssue
from tests.factories import UserFactory
from tests.trackers.conftest import GITHUB_TOKEN
from tests.trackers.fakes import github_signature
from trackers import creating, services
from trackers.models import TrackerAccount, TrackerIssueCreation

pytestmark = pytest.mark.django_db


def create_via_page(client, item, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("trackers:item_create", args=[item.pk]))


def test_the_item_button_creates_one_issue_with_title_body_labels_and_assignee(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    TrackerAccount.objects.create(user=item.owner, github_login="olivia-gh")
    client.force_login(item.owner)
    response = create_via_page(client, item, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert list(github.issues) == [1]
    made = github.issues[1]
    assert made["title"] == "Alert on replica lag"
    assert "Page at 30 s of lag." in made["body"]
    assert f"INC-{item.incident.pk}: Checkout down" in made["body"]
    assert f"http://testserver/incidents/{item.incident.pk}/#action-item-{item.pk}" in made["body"]
    assert f"<!-- postmortems:item:{item.pk} -->" in made["body"]
    assert made["labels"] == ["postmortem", "prevent", "P3"]
    assert made["assignees"] == ["olivia-gh"]
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.key, issue.state, issue.assignee) == ("acme/web#1", "open", "olivia-gh")
    assert issue.url == "https://github.com/acme/web/issues/1"
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "acme/web#1" in page and "Open" in page


def test_a_double_click_and_a_repeated_task_make_one_issue(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    client.force_login(item.owner)
    create_via_page(client, item, django_capture_on_commit_callbacks)
    create_via_page(client, item, django_capture_on_commit_callbacks)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    assert len(github.issues) == 1
    assert TrackerIssueCreation.objects.count() == 1


def test_a_retry_after_a_lost_answer_finds_the_issue_by_its_marker(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.issue_request(item=item, actor=item.owner)
    row = TrackerIssueCreation.objects.get()
    # The first try made the issue, then its worker died before writing anything down.
    github.add_issue("Alert on replica lag", body=f"…\n<!-- postmortems:item:{item.pk} -->")
    github.issues[1]["labels"] = ["postmortem"]
    TrackerIssueCreation.objects.filter(pk=row.pk).update(attempts=1)
    creating.create_issue(row.pk)
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get(action_item=item).key == "acme/web#1"
    assert TrackerIssueCreation.objects.get().status == "sent"


def test_a_rate_limit_waits_as_long_as_retry_after_says(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.fail_next("POST /repos/acme/web/issues", 429,
                     {"message": "API rate limit exceeded"}, Retry_After="120")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    row = TrackerIssueCreation.objects.get()
    assert row.status == "pending"
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 110 < wait <= 120
    issue = TrackerIssue.objects.get(action_item=item)
    assert issue.state == "creating"
    assert "rate-limiting" in issue.last_error and "120 s" in issue.last_error
    creating.create_issue(row.pk)  # when it is due
    assert TrackerIssue.objects.get(action_item=item).state == "open"
    assert len(github.issues) == 1


def test_a_secondary_rate_limit_403_with_retry_after_is_retried_not_failed(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.fail_next("POST /repos/acme/web/issues", 403, {"message":
                     "You have exceeded a secondary rate limit."}, Retry_After="60")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    assert TrackerIssueCreation.objects.get().status == "pending"


def test_a_server_error_is_tried_again_and_the_retry_looks_for_the_marker_first(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.fail_next("POST /repos/acme/web/issues", 502, {"message": "Server Error"})
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    row = TrackerIssueCreation.objects.get()
    assert row.status == "pending" and "had an error (502)" in row.last_error
    creating.create_issue(row.pk)
    assert ("GET", "/repos/acme/web/issues") in github.requests
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get(action_item=item).state == "open"


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (401, {"message": "Bad credentials"}, "GitHub refused the token (401)"),
        (404, {"message": "Not Found"}, "GitHub has no repository acme/web"),
        (422, {"message": "Validation Failed", "errors": [
            {"resource": "Label", "code": "invalid", "field": "name"}]}, "refused the issue (422)"),
    ],
)  # fmt: skip
def test_a_refusal_fails_at_once_and_the_item_shows_why_with_a_retry_button(
    client, item, github, github_connection, django_capture_on_commit_callbacks,
    status, body, shown,
):  # fmt: skip
    github.fail_next("POST /repos/acme/web/issues", status, body)
    client.force_login(item.owner)
    create_via_page(client, item, django_capture_on_commit_callbacks)
    assert TrackerIssueCreation.objects.get().status == "failed"
    issue = TrackerIssue.objects.get(action_item=item)
    assert issue.state == "failed" and shown in issue.last_error
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "could not be created" in page and "Try again" in page
    assert github.issues == {}
    create_via_page(client, item, django_capture_on_commit_callbacks)  # the retry button
    assert TrackerIssue.objects.get(action_item=item).state == "open"
    assert len(github.issues) == 1


def test_an_unknown_assignee_still_gets_the_issue_made_unassigned(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    TrackerAccount.objects.create(user=item.owner, github_login="not-a-collaborator")
    github.fail_next(
        "POST /repos/acme/web/issues",
        422,
        {
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "invalid", "field": "assignees"}],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    assert github.issues[1]["assignees"] == []
    assert TrackerIssue.objects.get(action_item=item).state == "open"


def test_linking_by_url_checks_the_issue_exists_and_keeps_the_text_when_not(
    client, item, github, github_connection
):
    client.force_login(item.owner)
    url = reverse("trackers:item", args=[item.pk])
    response = client.post(url, {"reference": "https://github.com/acme/web/issues/77"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "acme/web#77 does not exist in acme/web" in page
    assert 'value="https://github.com/acme/web/issues/77"' in page
    number = github.add_issue("Replica lag alert", assignee="olivia-gh")
    response = client.post(url, {"reference": f"acme/web#{number}"})
    assert response.status_code == 302
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.key, issue.state, issue.assignee) == ("acme/web#1", "open", "olivia-gh")
    assert issue.etag.startswith('W/"')
    response = client.post(url, {"reference": "https://github.com/other/repo/issues/1"})
    assert "not an issue of acme/web" in response.content.decode()


def test_linking_a_closed_issue_marks_the_item_done_as_made_by_github(
    client, item, github, github_connection
):
    number = github.add_issue("Replica lag alert", state="closed")
    client.force_login(item.owner)
    client.post(reverse("trackers:item", args=[item.pk]), {"reference": f"#{number}"})
    item.refresh_from_db()
    assert item.status == "done"
    record = ChangeRecord.objects.filter(event="action_item.status_changed").get()
    assert record.actor is None
    assert record.note == "via GitHub: acme/web#1 was closed"


def post_hook(client, connection, payload, *, secret="hook-secret", event="issues", delivery=""):
    body = json.dumps(payload).encode()
    return client.post(
        reverse("trackers:github_hook", args=[connection.pk]),
        data=body,
        content_type="application/json",
        headers={"X-GitHub-Event": event, "X-Hub-Signature-256": github_signature(secret, body),
                 "X-GitHub-Delivery": delivery or str(uuid.uuid4())},
    )  # fmt: skip


def linked(item, github, number=None) -> TrackerIssue:
    number = number or github.add_issue(item.title)
    return TrackerIssue.objects.create(
        action_item=item, kind="github", key=f"acme/web#{number}", state="open",
        url=f"https://github.com/acme/web/issues/{number}",
    )  # fmt: skip


def test_a_signed_closed_event_marks_the_item_done_and_history_says_github_did_it(
    client, item, github, github_connection
):
    issue = linked(item, github)
    github.close(1)
    response = post_hook(client, github_connection, github.webhook(1, "closed"))
    assert response.status_code == 204
    assert response.content == b""
    item.refresh_from_db()
    issue.refresh_from_db()
    assert item.status == "done" and issue.state == "closed"
    client.force_login(item.owner)
    page = client.get(item.incident.get_absolute_url()).content.decode()
    assert "<strong>GitHub</strong> changed the status of action item" in page
    assert "via GitHub: acme/web#1 was closed" in page


def test_closed_as_not_planned_is_wont_do_and_reopening_reopens_the_item(
    client, item, github, github_connection
):
    linked(item, github)
    github.close(1, reason="not_planned")
    post_hook(client, github_connection, github.webhook(1, "closed"))
    item.refresh_from_db()
    assert item.status == "wont_do"
    github.reopen(1)
    post_hook(client, github_connection, github.webhook(1, "reopened"))
    item.refresh_from_db()
    assert item.status == "open" and item.completed_at is None


def test_an_assignee_change_is_shown_and_recorded(client, item, github, github_connection):
    issue = linked(item, github)
    github.issues[1]["assignees"] = ["mia"]
    post_hook(client, github_connection, github.webhook(1, "assigned"))
    issue.refresh_from_db()
    assert issue.assignee == "mia"
    record = ChangeRecord.objects.get(event="action_item.tracker_synced")
    assert record.changes == {"tracker_assignee": ["", "mia"]}
    assert record.actor is None


def test_a_badly_signed_or_unknown_hook_is_refused_and_changes_nothing(
    client, item, github, github_connection
):
    linked(item, github)
    github.close(1)
    payload = github.webhook(1, "closed")
    assert post_hook(client, github_connection, payload, secret="wrong").status_code == 401
    github_connection.pk += 1000
    assert post_hook(client, github_connection, payload).status_code == 401
    item.refresh_from_db()
    assert item.status == "open"


def test_a_signed_event_about_an_issue_no_item_has_answers_the_same(
    client, item, github, github_connection
):
    github.add_issue("Somebody else's")
    response = post_hook(client, github_connection, github.webhook(1, "closed"))
    assert response.status_code == 204 and response.content == b""
    assert post_hook(client, github_connection, {"zen": "Keep it simple."},
                     event="ping").status_code == 204  # fmt: skip


def test_an_issue_is_never_assigned_by_email_to_someone_else(item, github, github_connection):
    # The fake's user search finds nobody with the owner's e-mail: the issue is unassigned.
    services.issue_request(item=item, actor=item.owner)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    assert github.issues[1]["assignees"] == []


def test_the_token_is_sent_as_a_bearer_header_only(item, github, github_connection, httpserver):
    services.issue_request(item=item, actor=item.owner)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    request, _ = httpserver.log[-1]
    assert request.headers["Authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert GITHUB_TOKEN not in request.url


def test_an_outsider_gets_404_for_a_private_incidents_item(client, item, github_connection):
    item.incident.is_private = True
    item.incident.save()
    client.force_login(UserFactory(username="outsider"))
    assert client.get(reverse("trackers:item", args=[item.pk])).status_code == 404
    assert client.post(reverse("trackers:item_create", args=[item.pk])).status_code == 404
    assert not TrackerIssue.objects.exists()


def test_a_private_incidents_issue_carries_no_incident_title_or_description(
    item, github, github_connection
):
    item.incident.is_private = True
    item.incident.save()
    services.issue_request(item=item, actor=item.owner)
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    body = github.issues[1]["body"]
    assert "Checkout down" not in body and "Page at 30 s" not in body
    assert "private incident" in body


def test_someone_who_may_not_edit_the_item_cannot_ask_for_an_issue(client, item, github_connection):
    client.force_login(UserFactory(username="reader"))
    assert client.post(reverse("trackers:item_create", args=[item.pk])).status_code == 403
    assert not ActionItem.objects.filter(tracker_issue__isnull=False).exists()


def test_closing_the_item_here_closes_its_issue_and_reopening_reopens_it(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    from incidents.services import action_item_update
    from incidents.tracker_issues import tracker_issue_sync

    issue = linked(item, github)
    with django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=item.owner, data={"status": "wont_do"})
    assert github.issues[1]["state"] == "closed"
    assert github.issues[1]["state_reason"] == "not_planned"
    issue.refresh_from_db()
    assert issue.state == "closed"
    with django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=item.owner, data={"status": "open"})
    assert github.issues[1]["state"] == "open"
    # A change the tracker made is not sent back to it.
    github.close(1)
    requests_before = len(github.requests)
    with django_capture_on_commit_callbacks(execute=True):
        tracker_issue_sync(issue=issue, state="closed", assignee="")
    item.refresh_from_db()
    assert item.status == "done"
    assert not [r for r in github.requests[requests_before:] if r[0] == "PATCH"]
