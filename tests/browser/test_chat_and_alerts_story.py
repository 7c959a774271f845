"""The timeline from where incidents happen, as one story (issue 26).

An Alertmanager alert opens an incident; the team's manager puts it in New York's zone,
imports five messages of the Slack channel into its timeline, Slack sends
`/postmortem note …` from that channel, and the postmortem document lists the seven
entries in order, at their times in New York.
"""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect

from chat.models import ChatCommand
from incidents.models import Incident
from tests.alerts.helpers import alert_source, alertmanager_alert, post_alert
from tests.browser.conftest import ARTIFACTS, log_in
from tests.chat.fakes import FakeSlack
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ZONE = "America/New_York"
NEW_YORK = ZoneInfo(ZONE)


class LiveServer:
    """The part of Django's test client FakeSlack.command uses, sent to the live server."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, data: str, *, content_type: str, headers: dict):
        sent = {**headers, "Content-Type": content_type}
        return requests.post(self.url + path, data=data.encode(), headers=sent, timeout=10)


def in_new_york(moment: datetime, style: str) -> str:
    """Return a moment as the pages write it in New York, worked out here on its own."""
    local = moment.astimezone(NEW_YORK)
    if style == "clock":  # the document's classic timeline: "9:05 AM"
        return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return local.strftime("%Y-%m-%d %H:%M ") + local.tzname()  # "2026-12-03 04:05 EST"


def shot(locator, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path


def test_an_alert_a_slack_channel_and_a_slash_command_make_one_timeline_in_the_zone(
    new_page, live_server, httpserver, settings, screenshot
):
    slack = FakeSlack(httpserver)
    settings.SLACK_API_URL = slack.api_url
    mona = UserFactory(username="mona", first_name="Mona", last_name="Manager",
                       email="mona@example.com")  # fmt: skip
    team = TeamFactory(name="Payments", manager=mona, members=[mona])
    source, secret = alert_source(team=team, name="Production Alertmanager")
    slack.connection(team)
    channel = slack.add_channel("inc-checkout")
    ana = slack.add_user("U1", "Mona", "mona@example.com")
    bo = slack.add_user("U2", "Bo")
    # Two hours ago, to the minute: the import offers messages up to an hour past now.
    fired = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)

    # 1. Alertmanager tells of a firing alert: an incident is opened at the alert's time.
    response = post_alert(
        source, secret,
        alertmanager_alert(alertname="CheckoutErrors", summary="checkout 5xx above 5%",
                           starts_at=fired),
        base_url=live_server.url,
    )  # fmt: skip
    assert response.status_code == 202, response.text
    incident = Incident.objects.get()
    assert incident.detected_at == fired == incident.started_at

    page = new_page()
    log_in(page, "mona")
    page.goto("/incidents/")
    row = page.locator("tr", has=page.get_by_role("link", name=incident.reference))
    expect(row).to_contain_text(fired.strftime("%Y-%m-%d %H:%M UTC"))
    row.get_by_role("link", name=incident.reference).click()
    title = "CheckoutErrors: checkout 5xx above 5%"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("dt:text-is('Detected') + dd")).to_have_text(
        fired.strftime("%Y-%m-%d %H:%M UTC")
    )

    # 2. The incident is New York's. The form reads its times in the zone picked, so they
    # are typed again as New York's clocks show them.
    page.get_by_role("link", name="Edit incident").click()
    page.get_by_label("Time zone").select_option(ZONE)
    expect(page.get_by_text(f"Read in {ZONE}").first).to_be_visible()
    local = fired.astimezone(NEW_YORK).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Started at").fill(local)
    page.get_by_label("Detected at").fill(local)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("dt:text-is('Detected') + dd")).to_have_text(in_new_york(fired, "full"))
    incident.refresh_from_db()
    assert incident.time_zone == ZONE and incident.detected_at == fired

    # 3. Six messages in the channel; two are pinned or marked, three more are ticked.
    said = [
        ("Checkout is throwing 500s", ana, {}),
        ("DB primary is down", bo, {"pinned": True}),
        ("lunch?", bo, {}),
        ("Failover to the replica", ana, {"reactions": ["pushpin"]}),
        ("Replica promoted", bo, {}),
        ("Errors are back to normal", ana, {}),
    ]
    posted = [fired + timedelta(minutes=4 + 5 * n) for n in range(len(said))]
    ts = [
        slack.add_message(channel, text, at=at, user=who, **extra)
        for (text, who, extra), at in zip(said, posted, strict=True)
    ]
    page.locator("#timeline").get_by_text("Add a timeline event").click()
    page.get_by_role("link", name="Import from chat").click()
    page.get_by_label("Channel").select_option(label="#inc-checkout")
    page.get_by_role("button", name="Show messages").click()

    rows = [page.locator(f'li[data-message="{t}"]') for t in ts]
    expect(page.get_by_text(f"Times in {ZONE}")).to_be_visible()
    for row, at in zip(rows, posted, strict=True):
        expect(row.locator("time")).to_have_text(in_new_york(at, "full"))
    expect(rows[1].get_by_role("checkbox")).to_be_checked()
    expect(rows[3].get_by_role("checkbox")).to_be_checked()
    for n in (0, 4, 5):
        expect(rows[n].get_by_role("checkbox")).not_to_be_checked()
        rows[n].get_by_role("checkbox").check()
    expect(rows[2].get_by_role("checkbox")).not_to_be_checked()
    screenshot(page, "story-import-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "story-import-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Add to the timeline").click()

    expect(page.locator(".message.success")).to_have_text("Added 5 entries to the timeline.")
    expect(page.locator("#timeline .timeline-event")).to_have_count(6)  # the alert's and five

    # 4. Slack sends /postmortem note from the channel, signed; a worker adds a sixth entry.
    answer = slack.command(LiveServer(live_server.url), "note DB failover started",
                           user=ana, channel=channel)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"response_type": "ephemeral", "text": "Working on it…"}
    command = ChatCommand.objects.get()
    assert command.status == ChatCommand.Status.DONE
    (told,) = slack.answers
    assert told["text"].startswith("Added to the timeline of <http")
    assert told["text"].endswith(">: DB failover started")

    page.reload()
    timeline = page.locator("#timeline .timeline-event")
    expect(timeline).to_have_count(7)
    expect(timeline.last).to_contain_text("DB failover started")
    expect(timeline.last.locator("time")).to_have_text(
        command.received_at.astimezone(NEW_YORK).strftime("%H:%M")
    )
    shot(page.locator("#timeline"), "story-timeline-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page.locator("#timeline"), "story-timeline-390")
    # On a phone each entry's text has the width; Edit, move and Delete sit below it, whole.
    placed = page.eval_on_selector_all(
        "#timeline .timeline-event",
        """(rows) => rows.map((row) => {
             const text = row.querySelector('.row-main').getBoundingClientRect();
             const actions = row.querySelector('.row-actions').getBoundingClientRect();
             return actions.top >= text.bottom - 1 && actions.right <= window.innerWidth;
           })""",
    )
    assert placed == [True] * 7
    page.set_viewport_size({"width": 1280, "height": 900})

    # 5. The document: every entry in order, at New York's time, a date where the day turns.
    page.get_by_role("link", name="Read the postmortem").click()
    document = page.locator("article.postmortem-document")
    expect(document.get_by_text(f"Times in {ZONE}")).to_be_visible()
    expected = [
        (fired, "Triggered in Prometheus Alertmanager: CheckoutErrors"),
        (posted[0], "Mona: Checkout is throwing 500s"),
        (posted[1], "Bo: DB primary is down"),
        (posted[3], "Mona: Failover to the replica"),
        (posted[4], "Bo: Replica promoted"),
        (posted[5], "Mona: Errors are back to normal"),
        (command.received_at, "DB failover started"),
    ]
    headings, day = [], fired.astimezone(NEW_YORK).date()
    for n, (at, _text) in enumerate(expected):
        local_day = at.astimezone(NEW_YORK).date()
        turned = f"{local_day:%Y-%m-%d} " if n and local_day != day else ""
        headings.append(f"{turned}{in_new_york(at, 'clock')}:")
        day = local_day
    entries = document.locator(".timeline-entry")
    expect(entries).to_have_count(len(expected))
    expect(entries.locator("h3")).to_have_text(headings)
    for entry, (_at, text) in zip(entries.all(), expected, strict=True):
        expect(entry).to_contain_text(text)
    expect(document).not_to_contain_text("lunch?")
    screenshot(page, "story-document-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "story-document-390")
    assert fired == incident.timeline_events.earliest("occurred_at").occurred_at
