from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from postmortems.demo import load_demo
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SEED = Path(__file__).parents[1] / "postmortems" / "samples" / "01_seed_html_headings.md"


def test_reader_sees_the_example_rendered_like_the_original(page, screenshot):
    incident = load_demo(today=date(2026, 11, 25)).example
    log_in(page, "bob", "postmortems-demo")
    page.goto(f"/postmortems/{incident.pk}/")

    document = page.locator("article.postmortem-document")
    expect(document.get_by_role("heading", name="Postmortem - Real Housing")).to_be_visible()
    expect(document).to_contain_text("4 hours (9:00 AM to 1:00 PM) in GMT+2 timezone")
    expect(document.get_by_role("heading", level=3, name="9:30 AM:")).to_be_visible()
    expect(document.locator(".dead-end")).to_have_count(2)
    expect(document.get_by_role("heading", name="Incident response protocol:")).to_be_visible()
    screenshot(page, "postmortem-document-classic")

    page.emulate_media(media="print")
    expect(page.locator(".document-tools")).to_be_hidden()
    screenshot(page, "postmortem-document-print")


def test_engineer_imports_a_postmortem_checks_it_and_saves(page, screenshot):
    load_demo(today=date(2026, 11, 25))
    log_in(page, "alice", "postmortems-demo")
    page.get_by_text("More", exact=True).click()  # the header's menu above phone widths
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Postmortem in Markdown").fill(SEED.read_text())
    page.get_by_label("Date of the incident").fill("2026-10-01")
    page.get_by_role("button", name="Preview what was found").click()

    expect(page.get_by_text("Timeline (9 events)")).to_be_visible()
    expect(page.get_by_text("Action items (5)")).to_be_visible()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Save as a new incident").click()

    expect(page.get_by_text("Imported as INC-")).to_be_visible()
    expect(page.locator("article")).to_contain_text("1 October 2026")
    screenshot(page, "import-saved-document")
