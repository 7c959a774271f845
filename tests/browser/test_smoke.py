import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_visitor_is_sent_to_login_and_then_sees_incidents(page, screenshot):
    UserFactory(username="ada")
    IncidentFactory(title="Database failover took too long")

    page.goto("/incidents/")
    assert page.url.endswith("/login/?next=/incidents/")
    log_in(page, "ada")

    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    expect(page.get_by_text("Database failover took too long")).to_be_visible()
    screenshot(page, "smoke-incident-list")
