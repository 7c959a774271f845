"""An author imports five messages of the incident's Slack channel into its timeline."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.chat.fakes import FakeSlack
from tests.factories import IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def test_an_author_imports_five_messages_from_slack_into_the_timeline(
    new_page, httpserver, settings, screenshot
):
    slack = FakeSlack(httpserver)
    settings.SLACK_API_URL = slack.api_url
    author = UserFactory(username="ana", email="ana@example.com")
    team = TeamFactory(name="Payments", members=[author])
    incident = IncidentFactory(team=team, commander=author, title="Checkout down",
                               started_at=START, time_zone="Europe/Paris")  # fmt: skip
    slack.connection(team)
    channel = slack.add_channel("inc-checkout")
    ana, bo = slack.add_user("U1", "Ana"), slack.add_user("U2", "Bo")
    said = [
        ("Checkout is throwing 500s", ana, {}),
        ("DB primary is down", bo, {"pinned": True}),
        ("lunch?", bo, {}),
        ("Failover started", ana, {"reactions": ["pushpin"]}),
        ("Replica promoted", bo, {}),
        ("Errors are back to normal", ana, {}),
    ]
    ts = [
        slack.add_message(channel, text, at=START + timedelta(minutes=5 * n), user=who, **extra)
        for n, (text, who, extra) in enumerate(said)
    ]

    page = new_page()
    log_in(page, "ana")
    page.goto(incident.get_absolute_url())
    page.locator("#timeline").get_by_text("Add a timeline event").click()
    page.get_by_role("link", name="Import from chat").click()
    page.get_by_label("Channel").select_option(label="#inc-checkout")
    page.get_by_role("button", name="Show messages").click()

    rows = {t: page.locator(f'li[data-message="{t}"]') for t in ts}
    # 09:00 UTC is 10:00 in Paris, the incident's zone.
    expect(rows[ts[0]]).to_contain_text("2026-03-14 10:00")
    expect(rows[ts[1]].get_by_role("checkbox")).to_be_checked()  # pinned
    expect(rows[ts[3]].get_by_role("checkbox")).to_be_checked()  # :pushpin:
    expect(rows[ts[2]].get_by_role("checkbox")).not_to_be_checked()
    for t in (ts[0], ts[4], ts[5]):
        rows[t].get_by_role("checkbox").check()
    rows[ts[0]].get_by_label("Entry text").fill("Ana: checkout started throwing 500s")
    rows[ts[0]].get_by_label("Kind").select_option("detection")
    screenshot(page, "chat-import-1280")
    page.get_by_role("button", name="Add to the timeline").click()

    expect(page.locator(".message.success")).to_have_text("Added 5 entries to the timeline.")
    timeline = page.locator("#timeline .timeline-event")
    expect(timeline).to_have_count(5)
    expect(timeline.first).to_contain_text("10:00")
    expect(timeline.first).to_contain_text("Ana: checkout started throwing 500s")
    expect(page.locator("#timeline")).not_to_contain_text("lunch?")
    expect(timeline.nth(4)).to_contain_text("Ana: Errors are back to normal")
    link = timeline.first.get_by_role("link", name="Message in chat")
    expect(link).to_have_attribute("href", slack.permalink(channel, ts[0]))
    assert (
        incident.timeline_events.filter(source_url__startswith="https://acme.slack.com/").count()
        == 5
    )
