import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import ActionItem, Cause
from search import index
from tests.browser.conftest import log_in
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_author_marks_a_similar_incident_as_the_same_root_cause(page, screenshot):
    author = UserFactory(username="author")
    website = ServiceFactory(name="Website")
    now = timezone.now()
    earlier = IncidentFactory(
        title="Checkout config pushed with a bad flag",
        services=[website],
        started_at=now - timedelta(days=40),
    )
    CauseFactory(incident=earlier, category=Cause.Category.CONFIGURATION)
    ActionItemFactory(incident=earlier, title="Validate config before deploy")
    ActionItemFactory(
        incident=earlier,
        title="Add a config linter",
        status=ActionItem.Status.DONE,
        completed_at=now - timedelta(days=30),
    )
    IncidentFactory(
        title="Website slow for an hour", services=[website], started_at=now - timedelta(days=70)
    )
    current = IncidentFactory(
        title="Checkout config typo took the site down",
        services=[website],
        commander=author,
        started_at=now - timedelta(days=1),
    )
    CauseFactory(incident=current, category=Cause.Category.CONFIGURATION)
    index.rebuild_documents()

    log_in(page, "author")
    page.goto(current.get_absolute_url())
    similar = page.locator("#similar")
    expect(similar.locator(".similar-incident")).to_have_count(2)
    # Loaded after the page, the panel leaves the reader's focus where it was.
    assert page.evaluate("document.activeElement.id") != "similar-title"
    first = similar.locator(".similar-incident").first
    expect(first).to_contain_text("Checkout config pushed with a bad flag")
    expect(first).to_contain_text("Shares service Website; cause category Configuration")
    expect(first).to_contain_text("Validate config before deploy")
    screenshot(page, "similar-incidents")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "similar-incidents-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    first.get_by_role("button", name="Same root cause").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{current.pk}/#similar$"))
    expect(page.locator(".messages")).to_contain_text("Marked INC-")
    expect(page.locator("#similar .similar-incident").first).to_contain_text("marked by")
    screenshot(page, "similar-incidents-linked")

    page.goto(earlier.get_absolute_url())
    expect(page.locator("#similar .similar-links")).to_contain_text(current.title)

    page.goto(reverse("postmortems:review", args=[current.pk]))
    expect(page.locator("#similar")).to_contain_text("Checkout config pushed with a bad flag")
    screenshot(page, "similar-on-review")

    page.goto(reverse("search:recurring"))
    expect(page.locator("#fixes-title")).to_be_visible()
    expect(page.locator("table").last).to_contain_text("Add a config linter")
    screenshot(page, "recurring-causes")
