import re

import pytest
from playwright.sync_api import expect

from search import index
from tests.browser.conftest import log_in
from tests.factories import CauseFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_slash_focuses_the_header_search_and_a_result_opens_its_incident(page, screenshot):
    UserFactory(username="searcher")
    incident = IncidentFactory(title="Replica failover stalled", summary="Lag grew to an hour.")
    CauseFactory(incident=incident, description="The failover script waited on a <lock>.")
    IncidentFactory(title="Unrelated outage")
    index.rebuild_documents()

    log_in(page, "searcher")
    page.goto("/incidents/")
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Search incidents")
    expect(box).to_be_focused()
    box.type("failo")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=failo"))
    results = page.locator(".search-result")
    expect(results).to_have_count(1)
    expect(results.locator("mark").first).to_have_text(re.compile("failover", re.IGNORECASE))
    expect(page.get_by_text("Unrelated outage")).to_have_count(0)
    screenshot(page, "search-results")

    results.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Replica failover stalled")
