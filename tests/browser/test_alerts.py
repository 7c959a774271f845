"""A manager adds an Alertmanager source, copies its secret once; an alert opens an incident."""

import pytest
from playwright.sync_api import expect

from alerts.models import AlertSource
from incidents.models import Incident
from tests.alerts.helpers import alertmanager_alert, post_alert
from tests.browser.conftest import log_in
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_adds_a_source_sees_the_secret_once_and_an_alert_opens_an_incident(
    new_page, live_server, screenshot
):
    manager = UserFactory(username="mona", first_name="Mona", last_name="Manager")
    TeamFactory(name="Payments", manager=manager)

    page = new_page()
    log_in(page, "mona")
    page.goto("/incidents/settings/")
    page.get_by_role("link", name="Alert sources", exact=True).click()
    page.get_by_role("link", name="Add an alert source").click()
    page.get_by_label("Prometheus Alertmanager").check()
    page.get_by_label("Name").fill("Production Alertmanager")
    page.get_by_role("button", name="Add source").click()

    expect(page.get_by_text("Copy the secret now")).to_be_visible()
    secret = page.locator("#alert-secret").inner_text().strip()
    url = page.locator("#alert-url").inner_text().strip()
    source = AlertSource.objects.get()
    assert secret == source.secret and url.endswith(f"/alerts/hooks/alertmanager/{source.uuid}/")
    screenshot(page, "alert-source-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "alert-source-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.reload()
    expect(page.get_by_role("heading", name="Production Alertmanager")).to_be_visible()
    expect(page.get_by_text("Copy the secret now")).to_have_count(0)
    assert secret not in page.content()

    # Alertmanager sends an alert with the secret it was given.
    response = post_alert(source, secret, alertmanager_alert(alertname="CheckoutErrors"),
                          base_url=live_server.url)  # fmt: skip
    assert response.status_code == 202
    page.reload()
    incident = Incident.objects.get()
    page.get_by_role("link", name=incident.reference).click()
    expect(page.get_by_role("heading", name="CheckoutErrors: p99 latency above 2s")).to_be_visible()
    expect(page.get_by_text("Triggered in Prometheus Alertmanager")).to_be_visible()
