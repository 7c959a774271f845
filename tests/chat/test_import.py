"""An author imports a channel's messages into the incident's timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse

from chat.models import IncidentChannel
from tests.chat.conftest import START
from tests.factories import IncidentFactory, UserFactory


@pytest.fixture
def setup(slack, team, incident):
    connection = slack.connection(team)
    channel = slack.add_channel("inc-checkout")
    ana = slack.add_user("U1", "Ana", "ana@example.com")
    bo = slack.add_user("U2", "Bo")
    ts = {
        "first": slack.add_message(channel, "Checkout 500s", at=START + timedelta(minutes=1),
                                   user=ana),
        "pinned": slack.add_message(channel, "DB primary down", at=START + timedelta(minutes=5),
                                    user=bo, pinned=True),
        "marked": slack.add_message(channel, "Failover started", at=START + timedelta(minutes=7),
                                    user=ana, reactions=["pushpin"]),
    }  # fmt: skip
    ts["reply"] = slack.add_message(channel, "Replica promoted", at=START + timedelta(minutes=9),
                                    user=bo, thread=ts["marked"])  # fmt: skip
    return connection, channel, ts


def url(incident, connection=None, channel=""):
    base = reverse("chat:import", args=[incident.pk])
    if connection is None:
        return base
    # 10:00 to 12:00 in Paris: the incident's hours, as an author types them.
    return (
        f"{base}?connection={connection.pk}&channel={channel}"
        "&since=2026-03-14T09:30&until=2026-03-14T12:30"
    )


def post_data(connection, channel, **rows):
    data = {"connection": connection.pk, "channel": channel, "since": "2026-03-14T09:30",
            "until": "2026-03-14T12:30"}  # fmt: skip
    for ts, (text, kind) in rows.items():
        data.update({f"pick-{ts}": "on", f"text-{ts}": text, f"kind-{ts}": kind})
    return data


def test_messages_are_listed_in_the_incident_zone_with_pinned_and_marked_ones_ticked(
    client, author, incident, setup
):
    connection, channel, _ts = setup
    client.force_login(author)

    response = client.get(url(incident, connection, channel))

    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-03-14 10:01 CET" in page  # 09:01 UTC, in Paris
    assert page.index("Failover started") < page.index("Replica promoted") < page.index("</ol>")
    form = response.context["rows"]
    ticked = {item.message.text for item, tick, _text, _kind in form.rows() if tick.value()}
    assert ticked == {"DB primary down", "Failover started"}
    assert next(item.text for item in form.offered) == "Ana: Checkout 500s"


def test_the_default_range_is_an_hour_around_the_incident_in_its_zone(
    client, author, incident, setup
):
    client.force_login(author)

    form = client.get(url(incident)).context["form"]

    # 09:00 to 11:00 UTC is 10:00 to 12:00 in Paris; an hour either side.
    assert form["since"].value() == "2026-03-14T09:00"
    assert form["until"].value() == "2026-03-14T13:00"


def test_saving_adds_entries_at_the_message_time_with_their_permalinks(
    client, author, incident, setup, slack
):
    connection, channel, ts = setup
    client.force_login(author)

    response = client.post(url(incident), post_data(
        connection, channel, **{ts["pinned"]: ("Bo: the DB primary went down", "detection"),
                                ts["reply"]: ("Bo: replica promoted", "mitigation")},
    ))  # fmt: skip

    assert response.status_code == 302
    events = list(incident.timeline_events.order_by("occurred_at"))
    assert [(e.description, e.kind) for e in events] == [
        ("Bo: the DB primary went down", "detection"), ("Bo: replica promoted", "mitigation"),
    ]  # fmt: skip
    assert events[0].occurred_at.replace(microsecond=0) == START + timedelta(minutes=5)
    assert events[0].source_url == slack.permalink(channel, ts["pinned"])
    assert events[1].source_url == slack.permalink(channel, ts["reply"], ts["marked"])
    assert events[0].author == author
    assert IncidentChannel.objects.get(incident=incident).channel_id == channel


def test_importing_the_same_message_twice_adds_it_once(client, author, incident, setup):
    connection, channel, ts = setup
    client.force_login(author)
    data = post_data(connection, channel, **{ts["first"]: ("Checkout 500s", "detection")})
    client.post(url(incident), data)

    client.post(url(incident), data)

    assert incident.timeline_events.count() == 1
    page = client.get(url(incident, connection, channel))
    (first,) = [i for i in page.context["rows"].offered if i.message.id == ts["first"]]
    assert first.imported and not first.ticked


def test_a_ticked_message_without_text_keeps_the_other_edits(client, author, incident, setup):
    connection, channel, ts = setup
    client.force_login(author)

    response = client.post(url(incident), post_data(
        connection, channel, **{ts["first"]: ("My own words", "detection"),
                                ts["pinned"]: ("   ", "other")},
    ))  # fmt: skip

    assert response.status_code == 200
    assert "Give the entry a text, or untick it." in response.content.decode()
    assert "My own words" in response.content.decode()
    assert incident.timeline_events.count() == 0


def test_a_revoked_token_is_said_on_the_page(client, author, incident, setup, slack):
    connection, channel, _ts = setup
    slack.revoked = True
    client.force_login(author)

    response = client.get(url(incident, connection, channel))

    assert response.status_code == 200
    assert "revoked" in response.content.decode()


def test_someone_who_may_not_edit_the_incident_may_not_import(client, incident, setup):
    client.force_login(UserFactory())

    assert client.get(url(incident)).status_code == 403


def test_a_private_incident_is_not_found_for_someone_who_may_not_see_it(client, team, setup):
    private = IncidentFactory(team=team, is_private=True)
    client.force_login(UserFactory())

    assert client.get(url(private)).status_code == 404


def test_the_message_list_asks_the_database_a_fixed_number_of_times(
    client, author, incident, setup, slack, django_assert_max_num_queries
):
    connection, channel, _ts = setup
    for minute in range(20):
        slack.add_message(
            channel, f"m{minute}", at=START + timedelta(minutes=20 + minute), user="U1"
        )
    client.force_login(author)

    with django_assert_max_num_queries(12):
        response = client.get(url(incident, connection, channel))

    assert len(response.context["rows"].offered) == 24
