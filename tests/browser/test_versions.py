"""Published versions in a browser: the list, one version, and what changed between two."""

import pytest
from playwright.sync_api import expect

from postmortems import services
from tests.browser.conftest import log_in
from tests.factories import ActionItemFactory, PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _publish(postmortem, reviewer) -> None:
    postmortem.refresh_from_db()
    if postmortem.status == "draft":
        services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    services.postmortem_review(postmortem=postmortem, actor=reviewer, decision="approve")
    postmortem.refresh_from_db()
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reader_compares_two_published_versions(new_page, screenshot, width):
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    postmortem = PostmortemFactory(
        reviewers=[bob], sections={"trigger": "A deploy."}, incident__title="Outage"
    )
    _publish(postmortem, bob)
    services.postmortem_reopen(postmortem=postmortem, actor=bob, reason="new findings")
    postmortem.refresh_from_db()
    services.postmortem_update(
        postmortem=postmortem,
        actor=bob,
        data={"sections": {"trigger": "A config push, not a deploy."}},
        expected_version=postmortem.version,
    )
    ActionItemFactory(incident=postmortem.incident, title="Add a canary stage")
    _publish(postmortem, bob)

    page = new_page(width=width, height=900)
    log_in(page, "bob")
    page.goto(f"/postmortems/{postmortem.incident_id}/")
    versions = page.get_by_role("navigation", name="Published versions")
    expect(versions).to_contain_text("v2, published")
    expect(versions).to_contain_text("by Bob Builder")
    versions.get_by_role("link", name="changes since v1").click()
    expect(page.locator("del.diff-removed")).to_contain_text("A deploy.")
    expect(page.locator("ins.diff-added")).to_contain_text("A config push, not a deploy.")
    expect(page.get_by_text("Add a canary stage")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"versions-diff-{width}")
    page.get_by_role("link", name="v1").first.click()
    expect(page.locator("article.postmortem-document")).to_contain_text("A deploy.")
    expect(page.locator("article.postmortem-document")).not_to_contain_text("config push")
