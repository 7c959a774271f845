"""What a manager and an owner see after GitHub renamed the repository or rate-limited us."""

import pytest

from incidents.models import TrackerIssue
from tests.browser.conftest import log_in
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory
from tests.trackers.conftest import GITHUB_TOKEN, make_connection
from tests.trackers.fakes import FakeGitHub
from trackers import reconcile, services
from trackers.models import TrackerIssueCreation

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_connection_and_item_pages_say_what_github_did(httpserver, page, screenshot):
    github = FakeGitHub(httpserver)
    manager = UserFactory(username="payments-lead")
    team = TeamFactory(name="Payments", manager=manager)
    connection = make_connection(team, kind="github", github_repository=github.repo,
                                 github_api_url=github.api_url, token=GITHUB_TOKEN)  # fmt: skip
    item = ActionItemFactory(incident=IncidentFactory(team=team, title="Checkout down"),
                             title="Alert on replica lag", owner=manager)  # fmt: skip
    github.fail_next("GET /search/users", 403, {"message": "API rate limit exceeded"},
                     X_RateLimit_Remaining="0", X_RateLimit_Reset="9999999999")  # fmt: skip
    services.issue_request(item=item, actor=manager)  # made after commit, by the task
    assert TrackerIssueCreation.objects.get().status == "sent"
    github.rename("acme/site")
    reconcile.reconcile(connection)
    assert TrackerIssue.objects.get().key == "acme/site#1"

    log_in(page, "payments-lead")
    page.goto(connection.get_absolute_url())
    assert page.get_by_text("acme/web was renamed to acme/site on").is_visible()
    screenshot(page, "tracker-connection-renamed")
    page.goto(f"/trackers/items/{item.pk}/")
    assert page.get_by_role("link", name="acme/site#1", exact=True).is_visible()
    assert page.get_by_text("user search is rate-limiting us").is_visible()
    screenshot(page, "tracker-item-unassigned")
