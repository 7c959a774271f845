"""A manager connects GitHub, links an item to an issue; the issue closes; the board says done."""

import json

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory
from tests.trackers.conftest import GITHUB_TOKEN
from tests.trackers.fakes import FakeGitHub, github_signature
from trackers.models import TrackerConnection

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_linked_item_is_done_on_the_board_once_its_issue_closes(
    new_page, live_server, httpserver, screenshot
):
    github = FakeGitHub(httpserver)
    manager = UserFactory(username="mona", first_name="Mona", last_name="Manager")
    team = TeamFactory(name="Payments", manager=manager)
    incident = IncidentFactory(team=team, title="Checkout down")
    ActionItemFactory(incident=incident, title="Alert on replica lag", owner=manager)
    number = github.add_issue("Replica lag alert", assignee="mona-gh")

    page = new_page()
    log_in(page, "mona")
    page.goto("/incidents/settings/")
    page.get_by_role("link", name="Trackers", exact=True).click()
    page.get_by_role("link", name="Connect a tracker").click()
    page.get_by_label("GitHub", exact=True).check()
    page.get_by_label("Repository").fill("acme/web")
    page.get_by_label("GitHub API URL").fill(github.api_url)
    page.get_by_label("Token").fill(GITHUB_TOKEN)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator(".message.success")).to_have_text("Connected to acme/web.")
    expect(page.locator("dd", has_text="Works")).to_contain_text("Connected to acme/web.")
    expect(page.get_by_text("Copy the webhook secret now")).to_be_visible()
    assert GITHUB_TOKEN not in page.content()
    screenshot(page, "tracker-connection-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "tracker-connection-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(incident.get_absolute_url())
    page.get_by_role("link", name="Tracker issue of Alert on replica lag").click()
    page.get_by_label("Issue URL or key").fill(f"https://github.com/acme/web/issues/{number}")
    page.get_by_role("button", name="Link issue").click()
    expect(page.get_by_text("is linked to its issue")).to_be_visible()
    expect(page.get_by_role("link", name="acme/web#1 · open")).to_be_visible()
    screenshot(page, "tracker-item-issue-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "tracker-item-issue-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Closed in GitHub: GitHub calls our webhook, signed with the connection's secret.
    github.close(number)
    connection = TrackerConnection.objects.get(team=team)
    body = json.dumps(github.webhook(number, "closed")).encode()
    answer = requests.post(
        f"{live_server.url}/trackers/{connection.pk}/hooks/github/",
        data=body,
        headers={"Content-Type": "application/json", "X-GitHub-Event": "issues",
                 "X-Hub-Signature-256": github_signature(connection.webhook_secret, body)},
        timeout=10,
    )  # fmt: skip
    assert answer.status_code == 204

    page.goto("/incidents/action-items/?tracker=linked")
    row = page.locator("table.board tbody tr", has_text="Alert on replica lag")
    expect(row.get_by_role("link", name="Done")).to_be_visible()
    expect(row.get_by_text("acme/web#1 · closed")).to_be_visible()
    screenshot(page, "tracker-board-done-1280")
    page.goto(incident.get_absolute_url())
    expect(page.get_by_text("via GitHub: acme/web#1 was closed")).to_be_visible()
    page.locator("#action-items").screenshot(
        path=str(screenshot(page, "tracker-incident-page-1280").with_name("tracker-items.png"))
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/incidents/action-items/?tracker=linked")
    screenshot(page, "tracker-board-done-390")
