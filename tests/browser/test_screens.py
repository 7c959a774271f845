"""The main pages at desktop and phone width, light and dark: screenshots for people to look
at, and checks that nothing scrolls sideways, logs an error or breaks the CSP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import ActionItem, Cause, Incident, User
from postmortems.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import log_in, wait_for_requests_in_flight

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _link_causes(incident: Incident) -> dict[Cause, list[str]]:
    """Link the demo's action items to its causes (the demo itself has no links)."""
    causes = list(incident.causes.all())
    items = list(incident.action_items.all())
    linked: dict[Cause, list[str]] = {}
    carol = User.objects.get(username="carol")
    for index, item in enumerate(items):
        cause = causes[index % len(causes)]
        # Through the service, as the page does, so that the history has sentences to show.
        later = item.due_date + timedelta(days=7) if item.due_date else None
        services.action_item_update(
            item=item, actor=carol, data={"causes": [cause], "due_date": later}
        )
        linked.setdefault(cause, []).append(item.title)
    return linked


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_main_pages_look_right_in_both_themes_and_widths(
    browser, live_server, screenshot, scheme, size
):
    demo = load_demo(today=timezone.localdate())
    example = demo.example
    draft = Incident.objects.exclude(pk=example.pk).first()
    linked = _link_causes(example)
    width, height = WIDTHS[size]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, color_scheme=scheme
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    try:
        log_in(page, "carol", password=DEMO_PASSWORD)
        pages = {
            "incidents": "/incidents/",
            "incident": f"/incidents/{example.pk}/",
            "incident-draft": f"/incidents/{draft.pk}/",
            "incident-edit": f"/incidents/{draft.pk}/edit/",
            "document": f"/postmortems/{example.pk}/",
            "review": f"/postmortems/{draft.pk}/review/",
            "action-items": "/incidents/action-items/",
            "dashboard": "/incidents/dashboard/",
            "settings": "/incidents/settings/",
        }
        for name, path in pages.items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{path} scrolls sideways at {width}px ({scroll}px)"
            screenshot(page, f"screen-{name}-{size}-{scheme}")
            if name == "incident-draft" and size == "desktop":
                # Open the add forms: the pickers inside them are enhanced when shown.
                for summary in page.locator("details.add-form > summary").all():
                    summary.click()
                page.wait_for_timeout(200)
                screenshot(page, f"screen-{name}-forms-{size}-{scheme}")

        # Each cause's actions appear under it in the document, before the next cause.
        page.goto(f"/postmortems/{example.pk}/")
        text = page.locator("article.postmortem-document").inner_text()
        for cause, titles in linked.items():
            first_words = " ".join(cause.description.split()[:4])
            for title in titles:
                assert f"Addressed by: {title}" in text
                assert text.index(first_words) < text.index(f"Addressed by: {title}")
        assert problems == []
    finally:
        context.close()
        wait_for_requests_in_flight()


def test_keyboard_shortcuts_move_through_a_list_and_open_help(page, screenshot):
    load_demo(today=timezone.localdate())
    log_in(page, "carol", password=DEMO_PASSWORD)
    page.goto("/incidents/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.locator("main h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    rows = page.locator("[data-list] tbody tr")
    assert "is-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "is-current" in (rows.nth(0).get_attribute("class") or "")
    page.keyboard.press("?")
    assert page.locator("dialog.shortcuts").is_visible()
    screenshot(page, "screen-shortcuts")


def test_items_and_causes_link_in_place_on_the_incident_page(page):
    load_demo(today=timezone.localdate())
    incident = Incident.objects.exclude(postmortem__status="published").first()
    cause = Cause.objects.create(incident=incident, description="Replica lag went unnoticed")
    log_in(page, "carol", password=DEMO_PASSWORD)
    page.goto(f"/incidents/{incident.pk}/")
    assert page.locator(f"#cause-{cause.pk}").get_by_text("No corrective action").is_visible()
    page.locator("#action-items details.add-form > summary").click()
    form = page.locator("#action-items form.stacked-form")
    form.get_by_label("Title").fill("Alert on replication lag")
    form.get_by_label("Kind").select_option("detect")
    form.get_by_label("Root cause: Replica lag went unnoticed").check()
    form.get_by_role("button", name="Add action item").click()
    cause_card = page.locator(f"#cause-{cause.pk}")
    cause_card.get_by_text("Alert on replication lag").wait_for()
    assert cause_card.get_by_text("No corrective action").count() == 0
    assert ActionItem.objects.get(title="Alert on replication lag").causes.get() == cause
