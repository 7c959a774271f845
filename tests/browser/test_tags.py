"""A manager merges two tags on the tags page, then filters the incident list by the survivor."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import IncidentFactory, TagFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_merges_two_tags_and_the_list_filters_by_the_survivor(new_page, screenshot):
    manager = UserFactory(username="tagkeeper")
    TeamFactory(manager=manager)
    db, database = TagFactory(name="db"), TagFactory(name="database")
    IncidentFactory(title="Replica lag").tags.add(db)
    IncidentFactory(title="Primary down").tags.add(database)
    IncidentFactory(title="Mail bounced").tags.add(TagFactory(name="email"))
    problems: list[str] = []

    for width, height in ((390, 844), (1280, 900)):
        page = new_page(width, height)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        log_in(page, "tagkeeper")
        page.goto("/incidents/tags/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tags")
        row = page.locator(f"#tag-{db.pk}")
        expect(row).to_contain_text("1 incident")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"tags-{width}")
        if width == 1280:
            row.get_by_label("Merge into").select_option(label="database")
            row.get_by_role("button", name="Merge").click()
            expect(page.get_by_text("Merged ‘db’ into ‘database’.")).to_be_visible()
            survivor = page.locator(f"#tag-{database.pk}")
            expect(survivor).to_contain_text("2 incidents")
            expect(page.locator(".tag-row")).to_have_count(2)
            survivor.get_by_role("link", name="2 incidents").click()
            expect(page).to_have_url(re.compile(rf"/incidents/\?tag={database.pk}$"))
            expect(page.get_by_role("link", name=re.compile("Replica lag"))).to_be_visible()
            expect(page.get_by_role("link", name=re.compile("Primary down"))).to_be_visible()
            expect(page.get_by_text("Mail bounced")).to_have_count(0)
            screenshot(page, "tags-filtered-list")
    assert problems == []
