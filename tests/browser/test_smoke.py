import pytest
from django.utils import timezone
from playwright.sync_api import expect

from postmortems.demo import DEMO_PASSWORD, load_demo
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


def test_no_page_scrolls_sideways_on_a_phone(new_page, screenshot):
    demo = load_demo(today=timezone.localdate())
    incident = demo.example
    page = new_page(width=390, height=844)
    log_in(page, "carol", password=DEMO_PASSWORD)
    for path in (
        "/incidents/",
        f"/incidents/{incident.pk}/",
        f"/postmortems/{incident.pk}/",
        f"/postmortems/{incident.pk}/review/",
        "/incidents/action-items/",
        "/incidents/dashboard/",
        "/postmortems/import/",
        "/incidents/settings/",
    ):
        page.goto(path)
        # Wide tables scroll inside their own box; the page itself must not.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    screenshot(page, "phone-settings")
