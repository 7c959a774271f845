"""A token without push access: GitHub drops labels and assignees silently, never the issue."""

import pytest
from django.urls import reverse

from incidents.models import TrackerIssue
from tests.factories import ActionItemFactory
from trackers import creating, services
from trackers.models import TrackerAccount, TrackerConnection, TrackerIssueCreation

pytestmark = pytest.mark.django_db


def ask(item, capture):
    with capture(execute=True):
        services.issue_request(item=item, actor=item.owner)
    return TrackerIssueCreation.objects.get(action_item=item)


def test_a_create_whose_answer_is_lost_is_found_on_retry_though_github_dropped_its_labels(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    github.push_access = False
    github.lose_create_answers = 1
    row = ask(item, django_capture_on_commit_callbacks)
    # GitHub made the issue, without the labels, and its answer never came back.
    assert row.status == "pending" and "had an error (502)" in row.last_error
    assert len(github.issues) == 1 and github.issues[1]["labels"] == []
    creating.create_issue(row.pk)
    assert len(github.issues) == 1
    assert github.requests.count(("POST", "/repos/acme/web/issues")) == 1
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.key, issue.state) == ("acme/web#1", "open")
    assert TrackerIssueCreation.objects.get().status == "sent"
    client.force_login(item.owner)
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "acme/web#1" in page


def test_the_tokens_login_is_asked_once_per_connection_and_forgotten_with_the_token(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    other = ActionItemFactory(incident=item.incident, owner=item.owner)
    github.lose_create_answers = 2
    for each in (item, other):
        creating.create_issue(ask(each, django_capture_on_commit_callbacks).pk)
    assert len(github.issues) == 2
    assert github.requests.count(("GET", "/user")) == 1
    github_connection.refresh_from_db()
    assert github_connection.github_token_login == "postmortems-bot"
    github_connection.set_token("github_pat_another_one")
    assert github_connection.github_token_login == ""


def test_an_issue_someone_else_made_with_the_items_marker_is_not_taken_for_ours(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.fail_next("POST /repos/acme/web/issues", 502, {"message": "Server Error"})
    row = ask(item, django_capture_on_commit_callbacks)
    github.add_issue("Not ours", body=f"<!-- postmortems:item:{item.pk} -->", creator="mallory")
    creating.create_issue(row.pk)
    assert TrackerIssue.objects.get(action_item=item).key == "acme/web#2"
    assert github.issues[2]["creator"] == "postmortems-bot"


def test_the_item_says_when_github_made_its_issue_without_labels_and_assignee(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    github.push_access = False
    TrackerAccount.objects.create(user=item.owner, github_login="olivia-gh")
    row = ask(item, django_capture_on_commit_callbacks)
    assert row.status == "sent"
    assert github.issues[1]["labels"] == [] and github.issues[1]["assignees"] == []
    issue = TrackerIssue.objects.get(action_item=item)
    assert issue.state == "open"
    assert "without its labels and assignee" in issue.creation_note
    client.force_login(item.owner)
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "no push (Write) access to acme/web" in page


def test_with_push_access_the_issue_keeps_its_labels_and_says_nothing(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    ask(item, django_capture_on_commit_callbacks)
    assert github.issues[1]["labels"] == ["postmortem", "prevent", "P3"]
    assert TrackerIssue.objects.get(action_item=item).creation_note == ""
    assert TrackerConnection.objects.get().github_token_login == ""  # never needed
