"""The hourly reconcile: every change since the last pass, whatever webhooks were lost."""

import json

import pytest
from django.urls import reverse

from incidents.models import TrackerIssue
from tests.factories import ActionItemFactory
from tests.trackers.fakes import github_signature
from trackers import reconcile

pytestmark = pytest.mark.django_db


def linked_github(item, github, number=None) -> TrackerIssue:
    number = number or github.add_issue(item.title)
    return TrackerIssue.objects.create(
        action_item=item, kind="github", key=f"acme/web#{number}", state="open",
        url=f"https://github.com/acme/web/issues/{number}",
    )  # fmt: skip


def linked_jira(item, jira) -> TrackerIssue:
    key = jira.add_issue(item.title)
    return TrackerIssue.objects.create(action_item=item, kind="jira", key=key, state="open",
                                       url=f"{jira.site}/browse/{key}")  # fmt: skip


def github_list_calls(httpserver):
    return [
        r for r, _ in httpserver.log if r.path == "/repos/acme/web/issues" and r.method == "GET"
    ]


def test_a_reopen_whose_webhook_was_lost_reopens_the_item_at_the_next_pass(
    client, item, github, github_connection, httpserver
):
    linked_github(item, github)
    github.close(1)
    body = json.dumps(github.webhook(1, "closed")).encode()
    client.post(
        reverse("trackers:github_hook", args=[github_connection.pk]), data=body,
        content_type="application/json",
        headers={"X-GitHub-Event": "issues", "X-Hub-Signature-256": github_signature(
            "hook-secret", body), "X-GitHub-Delivery": "d-1"},
    )  # fmt: skip
    item.refresh_from_db()
    assert item.status == "done"
    github.reopen(1)  # ... and GitHub's "reopened" delivery never arrives
    httpserver.clear_log()
    result = reconcile.reconcile(github_connection)
    item.refresh_from_db()
    assert item.status == "open"
    assert result.changed == 1
    (call,) = github_list_calls(httpserver)
    assert call.args["state"] == "all" and call.args["sort"] == "updated"
    assert call.args["direction"] == "asc" and call.args["since"].endswith("Z")
    github_connection.refresh_from_db()
    assert github_connection.reconciled_through is not None


def test_the_next_pass_asks_only_for_changes_after_the_newest_one_seen(
    item, github, github_connection, httpserver
):
    linked_github(item, github)
    github.close(1)
    reconcile.reconcile(github_connection)
    github_connection.refresh_from_db()
    mark = github_connection.reconciled_through
    assert mark.strftime("%Y-%m-%dT%H:%M:%SZ") == github.issues[1]["updated_at"]
    httpserver.clear_log()
    reconcile.reconcile(github_connection)
    (call,) = github_list_calls(httpserver)
    assert call.args["since"] == github.issues[1]["updated_at"]


def test_changes_on_later_pages_are_followed_by_the_link_header(
    item, github, github_connection, httpserver
):
    for n in range(150):
        github.add_issue(f"Someone else's {n}")
    number = github.add_issue(item.title)  # changed last: on the second page
    linked_github(item, github, number)
    github.close(number)
    httpserver.clear_log()
    result = reconcile.reconcile(github_connection)
    item.refresh_from_db()
    assert item.status == "done"
    assert [c.args.get("page") for c in github_list_calls(httpserver)] == [None, "2"]
    assert result.requests == 2


def test_a_pass_stops_at_its_budget_and_the_next_goes_on_from_the_mark(
    item, github, github_connection, httpserver, settings
):
    settings.TRACKER_RECONCILE_REQUEST_BUDGET = 1
    for n in range(120):
        github.add_issue(f"Someone else's {n}")
    number = github.add_issue(item.title)
    linked_github(item, github, number)
    github.close(number)
    assert reconcile.reconcile(github_connection).requests == 1
    item.refresh_from_db()
    assert item.status == "open"  # not reached yet
    reconcile.reconcile(github_connection)
    item.refresh_from_db()
    assert item.status == "done"


def test_a_rate_limit_keeps_the_mark_and_changes_nothing(item, github, github_connection):
    linked_github(item, github)
    github.close(1)
    github.fail_next("GET /repos/acme/web/issues", 429, {"message": "rate"}, Retry_After="30")
    result = reconcile.reconcile(github_connection)
    assert result.errors == 1
    item.refresh_from_db()
    github_connection.refresh_from_db()
    assert item.status == "open" and github_connection.reconciled_through is None


def test_a_next_link_to_another_host_is_not_followed(item, github, github_connection):
    linked_github(item, github)
    github.fail_next(
        "GET /repos/acme/web/issues", 200, [github.issue_json(1)],
        Link='<https://evil.example/steal?page=2>; rel="next"',
    )  # fmt: skip
    pages = list(reconcile.client_for(github_connection).changed_since(item.created_at))
    assert [[issue.key for issue in page] for page in pages] == [["acme/web#1"]]


def test_issues_linked_by_url_get_a_first_look_of_their_own(item, github, github_connection):
    number = github.add_issue("Made before the connection", state="closed")
    github.issues[number]["updated_at"] = "2001-01-01T00:00:00Z"  # long before any mark
    TrackerIssue.objects.create(
        action_item=item, kind="github", key=f"acme/web#{number}", state="unchecked",
        url=f"https://github.com/acme/web/issues/{number}",
    )  # fmt: skip
    reconcile.reconcile(github_connection)
    item.refresh_from_db()
    assert item.status == "done"


def test_reconcile_leaves_issues_of_a_repository_the_connection_no_longer_names(
    item, github, github_connection
):
    github.add_issue("Same number elsewhere")
    github.close(1)
    TrackerIssue.objects.create(action_item=item, kind="github", key="acme/old#1", state="open",
                                url="https://github.com/acme/old/issues/1")  # fmt: skip
    assert reconcile.reconcile(github_connection).asked == 0
    item.refresh_from_db()
    assert item.status == "open"


def test_jira_changes_since_the_mark_come_in_one_search_oldest_first(
    item, jira, jira_connection, httpserver
):
    other = ActionItemFactory(incident=item.incident)
    linked_jira(item, jira)
    linked_jira(other, jira)
    jira.close("OPS-2", resolution="Won't Do")
    httpserver.clear_log()
    result = reconcile.reconcile(jira_connection)
    assert result.changed == 1
    (search,) = [r for r, _ in httpserver.log if r.path == "/rest/api/3/search/jql"]
    jql = search.get_json()["jql"]
    assert jql.startswith('project = "OPS" AND updated >= "-') and jql.endswith(
        "ORDER BY updated ASC"
    )
    other.refresh_from_db()
    assert other.status == "wont_do"


def test_a_jira_reopen_whose_webhook_was_lost_reopens_the_item(item, jira, jira_connection):
    linked_jira(item, jira)
    jira.close("OPS-1")
    reconcile.reconcile(jira_connection)
    item.refresh_from_db()
    assert item.status == "done"
    jira.reopen("OPS-1")
    reconcile.reconcile(jira_connection)
    item.refresh_from_db()
    assert item.status == "open"
    jira_connection.refresh_from_db()
    assert jira_connection.reconciled_through is not None


def test_jira_follows_the_next_page_token(item, jira, jira_connection, httpserver):
    for n in range(120):
        jira.add_issue(f"Someone else's {n}")
    linked_jira(item, jira)
    jira.close(TrackerIssue.objects.get().key)
    httpserver.clear_log()
    reconcile.reconcile(jira_connection)
    item.refresh_from_db()
    assert item.status == "done"
    searches = [r.get_json() for r, _ in httpserver.log if r.path == "/rest/api/3/search/jql"]
    assert [s.get("nextPageToken") for s in searches] == [None, "100"]
