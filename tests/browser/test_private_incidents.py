import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.browser.conftest import log_in
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_private_incident_is_made_in_the_form_and_hidden_from_others(new_page, screenshot, width):
    UserFactory(username="sec-lead", first_name="Sam", last_name="Lead")
    colleague = UserFactory(username="colleague", first_name="Cleo", last_name="League")
    UserFactory(username="bystander")
    TeamFactory(name="Security", manager=UserFactory(username="sec-manager"))

    page = new_page(width=width)
    log_in(page, "sec-lead")
    page.goto("/incidents/new/")
    page.get_by_label("Title").fill("Leaked access key")
    page.get_by_label("Started at").fill("2026-03-10T09:00")
    page.get_by_label("Private").check()
    page.get_by_label("People who may see it").select_option(label="Cleo League")
    page.get_by_label("Teams who may see it").select_option(label="Security")
    screenshot(page, f"private-incident-form-{width}")
    page.get_by_role("button", name="Create incident").click()

    expect(page.locator(".private-badge")).to_have_text("Private")
    expect(page.get_by_text("Visible to")).to_be_visible()
    screenshot(page, f"private-incident-page-{width}")
    incident = Incident.objects.get(title="Leaked access key")
    assert list(incident.allowed_users.all()) == [colleague]

    page.goto("/incidents/")
    expect(page.locator("tbody .private-badge")).to_have_count(1)
    screenshot(page, f"private-incident-list-{width}")

    other = new_page(width=width)
    log_in(other, "bystander")
    response = other.goto(incident.get_absolute_url())
    assert response.status == 404
    other.goto("/incidents/")
    expect(other.get_by_text("Leaked access key")).to_have_count(0)


def test_a_manager_is_warned_before_hiding_the_incident_from_an_owner_and_lets_him_see_it(
    page, screenshot
):
    manager = UserFactory(username="mona", first_name="Mona", last_name="Manager")
    TeamFactory(name="Platform", manager=manager)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    incident = IncidentFactory(title="Leaked signing key", commander=manager)
    ActionItemFactory(incident=incident, owner=bob, title="Rotate the signing key")

    log_in(page, "mona")
    page.goto(f"/incidents/{incident.pk}/edit/")
    page.get_by_label("Title").fill("Leaked signing key (security)")
    page.get_by_label("Private").check()
    page.get_by_role("button", name="Save", exact=True).click()

    warning = page.get_by_role("alert").filter(has_text="Nothing is saved yet.")
    expect(warning).to_contain_text("Bob Builder (bob): ‘Rotate the signing key’")
    # What was typed is still there, and nothing was saved.
    expect(page.get_by_label("Title")).to_have_value("Leaked signing key (security)")
    expect(page.get_by_label("Private")).to_be_checked()
    assert Incident.objects.get(pk=incident.pk).is_private is False
    screenshot(page, "stranded-owners-warning")

    warning.get_by_role("button", name="Also let them see it").click()
    expect(page.get_by_text(f"{incident.reference} saved.")).to_be_visible()
    expect(page.locator(".private-badge")).to_have_text("Private")
    screenshot(page, "stranded-owners-allowed")
    incident.refresh_from_db()
    assert (incident.title, incident.is_private) == ("Leaked signing key (security)", True)
    assert list(incident.allowed_users.all()) == [bob]
