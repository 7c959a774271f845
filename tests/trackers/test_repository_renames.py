"""A renamed or moved GitHub repository: the connection, its issues and webhooks follow it."""

import pytest
from django.urls import reverse

from incidents.models import TrackerIssue
from tests.trackers.test_github import linked, post_hook
from trackers import creating, reconcile, services
from trackers.models import TrackerConnection, TrackerIssueCreation, TrackerRepositoryRename

pytestmark = pytest.mark.django_db


def test_reconcile_follows_a_renamed_repository_and_keeps_its_issues_in_step(
    client, item, manager, github, github_connection
):
    linked(item, github)
    github.rename("acme/site")
    github.close(1)
    reconcile.reconcile(github_connection)
    connection = TrackerConnection.objects.get()
    assert connection.github_repository == "acme/site"
    issue = TrackerIssue.objects.get()
    assert (issue.key, issue.state) == ("acme/site#1", "closed")
    assert issue.url == "https://github.com/acme/site/issues/1"
    item.refresh_from_db()
    assert item.status == "done"
    rename = TrackerRepositoryRename.objects.get()
    assert (rename.old_name, rename.new_name, rename.issues_renamed) == ("acme/web", "acme/site", 1)
    # The next pass asks the new path straight away.
    github.requests.clear()
    reconcile.reconcile(connection)
    assert not [path for _, path in github.requests if path.startswith("/repos/acme/web")]
    client.force_login(manager)
    page = client.get(connection.get_absolute_url()).content.decode()
    assert "acme/web was renamed to acme/site on" in page
    assert "GitHub: acme/site" in page


def test_a_create_after_a_rename_is_made_once_in_the_new_place(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.rename("platform/site")
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    # GitHub answers the POST to the old path with 307; it is made at the new one, once.
    assert ("POST", "/repos/acme/web/issues") in github.requests
    assert github.requests.count(("POST", "/repos/platform/site/issues")) == 1
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get().key == "platform/site#1"
    assert TrackerIssueCreation.objects.get().status == "sent"


def test_test_connection_says_where_the_repository_went(client, manager, github, github_connection):
    github.rename("acme/site")
    client.force_login(manager)
    response = client.post(reverse("trackers:test", args=[github_connection.pk]), follow=True)
    assert "Connected to acme/site." in response.content.decode()


def test_a_redirect_to_another_host_is_not_followed_and_changes_nothing(
    client, manager, item, github, github_connection
):
    linked(item, github)
    elsewhere = "https://api.elsewhere.example/repositories/1296269"
    github.fail_next("GET /repos/acme/web", 301, {"message": "Moved Permanently"},
                     Location=elsewhere)  # fmt: skip
    ok, message = services.connection_check(connection=github_connection)
    assert not ok and "off this API's host; not followed" in message
    assert TrackerConnection.objects.get().github_repository == "acme/web"
    assert TrackerIssue.objects.get().key == "acme/web#1"
    assert not TrackerRepositoryRename.objects.exists()
    assert ("GET", "/repositories/1296269") not in github.requests


def test_a_signed_webhook_under_the_new_name_takes_the_rename_in(
    client, item, github, github_connection
):
    linked(item, github)
    services.connection_check(connection=github_connection)  # learns the repository's id
    github.rename("acme/site")
    github.close(1)
    requests_before = len(github.requests)
    post_hook(client, github_connection, github.webhook(1, "closed"))
    assert len(github.requests) == requests_before  # no call needed
    assert TrackerConnection.objects.get().github_repository == "acme/site"
    assert TrackerIssue.objects.get().state == "closed"
    item.refresh_from_db()
    assert item.status == "done"


def test_a_webhook_of_another_repository_changes_nothing(client, item, github, github_connection):
    linked(item, github)
    services.connection_check(connection=github_connection)
    github.close(1)
    payload = github.webhook(1, "closed")
    payload["repository"].update(id=999, full_name="mallory/web")
    post_hook(client, github_connection, payload)
    assert TrackerConnection.objects.get().github_repository == "acme/web"
    assert TrackerIssue.objects.get().state == "open"
    assert not TrackerRepositoryRename.objects.exists()


def test_a_transferred_issue_is_still_told_from_a_renamed_repository(
    item, github, github_connection
):
    linked(item, github)
    github.transfer(1, "acme/platform", 7)
    reconcile.reconcile(github_connection)
    issue = TrackerIssue.objects.get()
    assert (issue.state, issue.key) == ("moved", "acme/platform#7")
    assert TrackerConnection.objects.get().github_repository == "acme/web"
    # The repository was asked once for the issue, not once more by each of the two checks.
    assert github.requests.count(("GET", "/repos/acme/web")) == 1


def test_the_retry_of_a_create_finds_its_issue_in_the_renamed_repository(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.lose_create_answers = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    github.rename("acme/site")
    creating.create_issue(TrackerIssueCreation.objects.get().pk)
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get().key == "acme/site#1"
