"""Owners matched to GitHub logins by e-mail: asked once per connection, never blocking."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import TrackerIssue
from tests.factories import ActionItemFactory
from trackers import github_people, services
from trackers.clients import GitHubClient
from trackers.models import GitHubLoginLookup, TrackerAccount, TrackerIssueCreation

pytestmark = pytest.mark.django_db

SEARCH = ("GET", "/search/users")


def create(item, capture):
    with capture(execute=True):
        services.issue_request(item=item, actor=item.owner)
    return TrackerIssueCreation.objects.get(action_item=item)


def test_two_creates_for_the_same_owner_ask_the_user_search_once(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    github.public_emails["olivia@example.com"] = "olivia-gh"
    other = ActionItemFactory(incident=item.incident, owner=item.owner, title="Runbook")
    create(item, django_capture_on_commit_callbacks)
    create(other, django_capture_on_commit_callbacks)
    assert github.requests.count(SEARCH) == 1
    assert [github.issues[n]["assignees"] for n in (1, 2)] == [["olivia-gh"], ["olivia-gh"]]
    kept = GitHubLoginLookup.objects.get()
    assert (kept.email, kept.login) == ("olivia@example.com", "olivia-gh")
    assert kept.expires_at - kept.looked_up_at == timedelta(days=7)


def test_nobody_found_is_kept_a_day_then_asked_again(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    other = ActionItemFactory(incident=item.incident, owner=item.owner, title="Runbook")
    create(item, django_capture_on_commit_callbacks)
    kept = GitHubLoginLookup.objects.get()
    assert kept.login == "" and kept.expires_at - kept.looked_up_at == timedelta(days=1)
    GitHubLoginLookup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    github.public_emails["olivia@example.com"] = "olivia-gh"
    create(other, django_capture_on_commit_callbacks)
    assert github.requests.count(SEARCH) == 2
    assert github.issues[2]["assignees"] == ["olivia-gh"]


def test_a_rate_limited_search_still_creates_the_issue_unassigned_and_says_why(
    client, item, github, github_connection, django_capture_on_commit_callbacks
):
    github.public_emails["olivia@example.com"] = "olivia-gh"
    github.fail_next(
        "GET /search/users", 403,
        {"message": "API rate limit exceeded for user ID 1.",
         "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"},
        X_RateLimit_Limit="30", X_RateLimit_Remaining="0", X_RateLimit_Used="30",
        X_RateLimit_Resource="search", X_RateLimit_Reset=str(int(time.time()) + 60),
    )  # fmt: skip
    row = create(item, django_capture_on_commit_callbacks)
    assert row.status == "sent"
    assert github.issues[1]["assignees"] == []
    issue = TrackerIssue.objects.get(action_item=item)
    assert issue.state == "open" and "user search is rate-limiting us" in issue.creation_note
    assert not GitHubLoginLookup.objects.exists()  # not kept: the next create asks again
    client.force_login(item.owner)
    page = client.get(reverse("trackers:item", args=[item.pk])).content.decode()
    assert "Made unassigned: GitHub&#x27;s user search is rate-limiting us" in page
    other = ActionItemFactory(incident=item.incident, owner=item.owner, title="Runbook")
    create(other, django_capture_on_commit_callbacks)
    assert github.issues[2]["assignees"] == ["olivia-gh"]


def test_a_login_from_the_owners_settings_asks_no_search(
    item, github, github_connection, django_capture_on_commit_callbacks
):
    TrackerAccount.objects.create(user=item.owner, github_login="olivia-gh")
    create(item, django_capture_on_commit_callbacks)
    assert SEARCH not in github.requests


def test_kept_logins_belong_to_their_connection(item, github, github_connection):
    github.public_emails["olivia@example.com"] = "olivia-gh"
    client = GitHubClient(github_connection)
    assert github_people.login_for_email(client, "Olivia@Example.com").login == "olivia-gh"
    assert github_people.login_for_email(client, "olivia@example.com").login == "olivia-gh"
    assert github.requests.count(SEARCH) == 1
    github_connection.delete()
    assert not GitHubLoginLookup.objects.exists()
