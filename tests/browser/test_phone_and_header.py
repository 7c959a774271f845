"""What a person sees at 390 px on a phone and at 1280 px on a laptop: nothing cut off or
scrolling sideways, panels that would fill a phone's first screen folded away, one header line."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from postmortems.demo import DEMO_PASSWORD, load_demo
from postmortems.layouts.builtin_templates import GOOGLE_SRE
from postmortems.layouts.sections import ensure_builtin_templates
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(__file__).resolve().parents[1] / "postmortems" / "samples"


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def demo():
    return load_demo(today=timezone.localdate())


def test_on_a_phone_nothing_is_cut_off_and_the_board_shows_items_first(new_page, demo, screenshot):
    phone = new_page(width=390, height=844)
    log_in(phone, "carol", DEMO_PASSWORD)

    # The document's action items stack as cards: Due and Status are on screen.
    draft = Incident.objects.exclude(pk=demo.example.pk).filter(action_items__isnull=False).first()
    sre = ensure_builtin_templates()[GOOGLE_SRE]
    phone.goto(f"/postmortems/{draft.pk}/?template={sre.pk}")
    first_row = phone.locator(".postmortem-document table.table tbody tr").first
    cells = first_row.locator("td")
    for index in range(cells.count()):
        box = cells.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"cell {index} is cut off"
    assert _scroll_width(phone) <= 390
    screenshot(phone, "phone-document-action-items")

    # The board: the filters and the bulk change are folded, so an item is on the first screen.
    phone.goto("/incidents/action-items/?status=open")
    expect(phone.locator("details.filters")).not_to_have_attribute("open", "")
    expect(phone.locator("details.bulk-panel")).not_to_have_attribute("open", "")
    first_item = phone.locator("table.board tbody tr").first.bounding_box()
    assert first_item["y"] < 844, "the first item is below the first screen"
    phone.locator("details.bulk-panel > summary").click()
    expect(phone.get_by_role("button", name="Apply to selected")).to_be_visible()
    assert _scroll_width(phone) <= 390
    screenshot(phone, "phone-board")

    # Search results: the snippets wrap under their labels.
    phone.goto("/search/?q=server")
    expect(phone.locator(".search-snippets").first).to_be_visible()
    assert _scroll_width(phone) <= 390
    screenshot(phone, "phone-search")

    # The preview of several imported files: each file a card, nothing clipped.
    phone.goto("/postmortems/import/")
    phone.locator("input[type=file]").set_input_files(
        [SAMPLES / "02_google_sre.md", SAMPLES / "03_bullets_24h_pst.md"]
    )
    phone.get_by_role("button", name="Preview what was found").click()
    warnings = phone.locator(".import-batch td[data-label=Warnings]").last
    expect(warnings).to_be_visible()
    box = warnings.bounding_box()
    assert box["x"] + box["width"] <= 390
    assert _scroll_width(phone) <= 390
    screenshot(phone, "phone-import-batch")


def test_a_managers_header_keeps_to_one_line_at_1280_and_more_opens_the_rest(
    new_page, demo, screenshot
):
    page = new_page(width=1280, height=900)
    log_in(page, "carol", DEMO_PASSWORD)  # a manager and staff: the longest header
    page.goto("/incidents/new/")  # not under "More": it is not marked as the current place
    tops = page.evaluate(
        "Array.from(document.querySelectorAll('.app-nav .brand, .nav-links > li'))"
        ".filter(e => e.getBoundingClientRect().width > 0)"
        ".map(e => e.getBoundingClientRect())"
        ".map(r => Math.round(r.top + r.height / 2))"
    )
    assert max(tops) - min(tops) <= 4, f"the header wraps: {tops}"
    expect(page.locator(".nav-more summary")).not_to_have_class("is-current")
    page.get_by_text("More", exact=True).click()
    expect(page.get_by_role("link", name="Templates")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()
    screenshot(page, "header-more-1280")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Templates")).to_be_hidden()

    # On the board at this width the filters and the bulk change stay open.
    page.goto("/incidents/action-items/?status=open")
    expect(page.get_by_role("button", name="Apply to selected")).to_be_visible()
