"""A manager connects Confluence, publishes a postmortem there and follows the link to it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.confluence.conftest import publish
from tests.confluence.fakes import EMAIL, TOKEN, FakeConfluence
from tests.factories import IncidentFactory, PostmortemFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_publishes_a_postmortem_to_confluence_and_sees_the_link(
    new_page, live_server, httpserver, screenshot
):
    confluence = FakeConfluence(httpserver)
    manager = UserFactory(username="mona", first_name="Mona", last_name="Manager")
    team = TeamFactory(name="Payments", manager=manager)
    incident = IncidentFactory(team=team, title="Checkout down", commander=manager)
    publish(PostmortemFactory(incident=incident, reviewers=[UserFactory(username="rita")]))

    page = new_page()
    log_in(page, "mona")
    page.goto("/incidents/settings/")
    page.get_by_role("link", name="Confluence", exact=True).click()
    page.get_by_role("link", name="Connect Confluence").click()
    page.get_by_label("Confluence site URL").fill(confluence.site)
    page.get_by_label("Atlassian account e-mail").fill(EMAIL)
    page.get_by_label("Space key").fill("ENG")
    page.get_by_label("Parent page").fill(
        f"{confluence.site}/wiki/spaces/ENG/pages/1000/Postmortems"
    )
    page.get_by_label("API token").fill(TOKEN)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator(".message.success")).to_contain_text("Connected to the space ENG")
    assert TOKEN not in page.content()
    screenshot(page, "confluence-connection-1280")

    page.goto(f"/postmortems/{incident.pk}/")
    page.get_by_role("button", name="Publish to Confluence now").click()
    expect(page.locator(".message.success")).to_contain_text("Publishing to Confluence")
    [made] = confluence.ours()
    slug = f"Postmortem+{incident.reference}%3A+Checkout+down"
    expect(page.get_by_role("link", name="In Confluence")).to_have_attribute(
        "href", f"{confluence.site}/wiki/spaces/ENG/pages/{made['id']}/{slug}"
    )
    screenshot(page, "confluence-published-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "confluence-published-390")
