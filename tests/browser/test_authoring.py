"""The whole authoring story in a browser: write, review, publish, and who may edit."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from postmortems.demo import EXAMPLE_TIMELINE
from postmortems.models import Postmortem
from tests.browser.conftest import log_in
from tests.factories import IncidentFactory, TeamFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ACTION_ITEMS = [
    ("Configuration management", "prevent", "P2", "Dave Owner"),
    ("Automated testing", "prevent", "P2", "Alice Author"),
    ("Monitoring and alerting", "detect", "P1", "Dave Owner"),
]


def test_author_writes_reviewer_publishes_and_outsider_cannot_edit(new_page, screenshot):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Author")
    UserFactory(username="bob", first_name="Bob", last_name="Reviewer")
    UserFactory(username="dave", first_name="Dave", last_name="Owner")
    UserFactory(username="erin", first_name="Erin", last_name="Outsider")

    page = new_page()
    log_in(page, "alice")
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Title").fill("Real Housing and Estate Website Outage")
    page.get_by_label("Severity").select_option("SEV1")
    page.get_by_label("Status").select_option("resolved")
    page.get_by_label("Time zone").select_option("Etc/GMT-2")
    page.get_by_label("Started at").fill("2026-03-10T09:00")
    page.get_by_label("Detected at").fill("2026-03-10T09:00")
    page.get_by_label("Mitigated at").fill("2026-03-10T12:30")
    page.get_by_label("Resolved at").fill("2026-03-10T13:00")
    page.get_by_label("Users affected").fill("All users")
    page.get_by_role("button", name="Create incident").click()

    expect(
        page.get_by_role("heading", name="Real Housing and Estate Website Outage")
    ).to_be_visible()
    expect(page.get_by_text("4 hours", exact=True)).to_be_visible()
    incident = Incident.objects.get()

    # A marker on the window survives only if the page is never reloaded.
    page.evaluate("window.sameDocument = true")
    timeline = page.locator("#timeline")
    for hour, minute, kind, dead_end, text in EXAMPLE_TIMELINE:
        if timeline.locator("details").get_attribute("open") is None:
            timeline.get_by_text("Add a timeline event").click()
        timeline.get_by_label(re.compile(r"^Time:?$")).fill(f"2026-03-10T{hour:02d}:{minute:02d}")
        expect(timeline.get_by_label("Time zone")).to_have_value("Etc/GMT-2")
        timeline.get_by_label("Kind").select_option(kind)
        timeline.get_by_label("Dead end").set_checked(dead_end)
        timeline.get_by_label("Description").fill(text)
        timeline.get_by_role("button", name="Add event").click()
        expect(timeline.get_by_text(text)).to_be_visible()
        timeline = page.locator("#timeline")
    expect(timeline.locator("li.timeline-event")).to_have_count(len(EXAMPLE_TIMELINE))
    expect(timeline.locator(".dead-end-badge")).to_have_count(2)
    expect(timeline.locator("li.timeline-event time").first).to_have_text("09:00")
    assert incident.timeline_events.first().occurred_at.hour == 7  # 09:00 GMT+2 is 07:00 UTC

    causes = page.locator("#causes")
    causes.get_by_text("Add a cause").click()
    causes.get_by_label("Role").select_option("root")
    causes.get_by_label("Category").select_option("configuration")
    causes.get_by_label("Description").fill(
        "A server misconfiguration in the web server configuration file crashed the server."
    )
    causes.get_by_role("button", name="Add cause").click()
    expect(page.locator("#causes").get_by_text("Root cause · Configuration")).to_be_visible()

    items = page.locator("#action-items")
    items.get_by_text("Add an action item").click()
    for title, kind, priority, owner in ACTION_ITEMS:
        items = page.locator("#action-items")
        items.get_by_label("Title").fill(title)
        items.get_by_label("Kind").select_option(kind)
        items.get_by_label("Priority").select_option(priority)
        items.get_by_label("Owner").select_option(label=owner)
        items.get_by_label("Due date").fill("2099-01-31")
        if kind == "prevent":
            # A root cause needs a corrective item linked to it before review.
            items.get_by_label(re.compile(r"Root cause: A server misconfiguration")).check()
        items.get_by_role("button", name="Add action item").click()
        expect(
            # The title cell also links the item's tracker issue ("Tracker issue of …").
            page.locator("#action-items").get_by_role(
                "cell", name=re.compile(f"^{re.escape(title)} Tracker issue of")
            )
        ).to_be_visible()
    expect(page.locator("#action-items tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Move action item up").last.click()
    expect(page.locator("#action-items tbody tr").nth(1)).to_contain_text("Monitoring and alerting")
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("#history")).to_contain_text("created action item")
    screenshot(page, "authoring-incident-page")

    page.get_by_role("link", name="Write the postmortem").click()
    summary = page.get_by_label("Summary")
    summary.fill("The website was **completely down** for 4 hours.\n\n- all users affected")
    preview = page.locator(".markdownx-preview").first
    expect(preview.locator("strong")).to_have_text("completely down")
    expect(preview.locator("li")).to_have_text("all users affected")
    page.get_by_label("Reviewers").select_option(label="Bob Reviewer")
    screenshot(page, "authoring-editor-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Postmortem saved.")).to_be_visible()

    page.get_by_role("link", name="Review and publish").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()

    reviewer = new_page()
    log_in(reviewer, "bob")
    reviewer.goto(f"/postmortems/{incident.pk}/review/")
    # Before an approval, Publish is shown but cannot be pressed, with the reason beside it.
    expect(reviewer.get_by_role("button", name="Publish")).to_be_disabled()
    expect(reviewer.get_by_text("Publishing needs an approval of this version")).to_be_visible()
    reviewer.get_by_label("Decision").select_option("approve")
    reviewer.locator("#id_body").fill("Clear and complete. Approved.")
    reviewer.get_by_role("button", name="Send review").click()
    expect(reviewer.get_by_text("Review recorded.")).to_be_visible()
    expect(reviewer.get_by_role("button", name="Publish")).to_be_enabled()
    reviewer.get_by_role("button", name="Publish").click()
    expect(reviewer.get_by_text("Published.", exact=True)).to_be_visible()
    screenshot(reviewer, "authoring-published-review")
    assert Postmortem.objects.get().status == Postmortem.Status.PUBLISHED

    # The author's old link to the editor now explains itself and offers to reopen.
    page.goto(f"/postmortems/{incident.pk}/review/")
    expect(page.get_by_role("link", name="Edit the postmortem")).to_have_count(0)
    page.goto(f"/postmortems/{incident.pk}/edit/")
    expect(page.get_by_role("heading", name="This postmortem is published")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen for editing")).to_be_visible()
    screenshot(page, "authoring-published-editor-link")

    outsider = new_page()
    log_in(outsider, "erin")
    outsider.goto(f"/incidents/{incident.pk}/")
    expect(outsider.get_by_role("link", name="Edit incident")).to_have_count(0)
    response = outsider.goto(f"/postmortems/{incident.pk}/edit/")
    assert response.status == 403
    expect(outsider.get_by_role("heading", name="This postmortem is published")).to_be_visible()
    expect(outsider.get_by_role("button", name="Reopen for editing")).to_have_count(0)
    response = outsider.goto(f"/incidents/{incident.pk}/edit/")
    assert response.status == 403
    screenshot(outsider, "authoring-403")

    phone = new_page(width=390, height=844)
    log_in(phone, "alice")
    phone.goto(f"/incidents/{incident.pk}/")
    expect(phone.get_by_role("heading", name="Timeline")).to_be_visible()
    screenshot(phone, "authoring-incident-phone")
    assert alice.pk == incident.created_by_id


def test_two_editors_change_the_same_timeline_event_and_the_second_keeps_their_text(
    new_page, screenshot
):
    commander = UserFactory(username="alice")
    manager = UserFactory(username="carol")
    incident = IncidentFactory(commander=commander, team=TeamFactory(manager=manager))
    event = TimelineEventFactory(incident=incident, description="Checked the load balancer.")

    pages = []
    for username in ("alice", "carol"):
        person = new_page()
        log_in(person, username)
        person.goto(f"/incidents/{incident.pk}/")
        person.get_by_role("link", name=re.compile("^Edit event at")).click()
        # The keyboard lands in the form that replaced the Edit link.
        expect(
            person.locator(f"#edit-timeline-{event.pk}").get_by_label(re.compile(r"^Time:?$"))
        ).to_be_focused()
        pages.append(person)
    first, second = pages

    first.locator(f"#edit-timeline-{event.pk}").get_by_label("Description").fill(
        "Checked the load balancer: healthy."
    )
    first.locator(f"#edit-timeline-{event.pk}").get_by_role("button", name="Save").click()
    expect(first.locator(f"#event-{event.pk}")).to_contain_text(
        "Checked the load balancer: healthy."
    )

    mine = "Checked the load balancer and the DNS records."
    second.locator(f"#edit-timeline-{event.pk}").get_by_label("Description").fill(mine)
    second.locator(f"#edit-timeline-{event.pk}").get_by_role("button", name="Save").click()
    conflict = second.get_by_role("alert").filter(has_text="Someone else saved first")
    expect(conflict).to_contain_text("Description")
    expect(conflict).to_contain_text("Checked the load balancer: healthy.")
    expect(second.locator(f"#edit-timeline-{event.pk}").get_by_label("Description")).to_have_value(
        mine
    )
    screenshot(second, "authoring-timeline-conflict")

    second.locator(f"#edit-timeline-{event.pk}").get_by_role("button", name="Save").click()
    expect(second.locator(f"#edit-timeline-{event.pk}")).to_have_count(0)
    expect(second.locator(f"#event-{event.pk}")).to_contain_text(mine)
    event.refresh_from_db()
    assert event.description == mine
