"""The tracker form shows the fields of the kind picked, and only those."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_picking_jira_shows_the_jira_fields_and_hides_githubs(page, screenshot):
    manager = UserFactory(username="mona")
    TeamFactory(name="Payments", manager=manager)
    log_in(page, "mona")
    page.goto("/trackers/new/")
    expect(page.get_by_role("radio", name="GitHub")).to_be_checked()
    expect(page.get_by_label("Repository")).to_be_visible()
    expect(page.get_by_label("Jira site URL")).to_be_hidden()
    page.get_by_role("radio", name="Jira").check()
    expect(page.get_by_label("Jira site URL")).to_be_visible()
    expect(page.get_by_label("Repository")).to_be_hidden()
    screenshot(page, "tracker-form-jira")
