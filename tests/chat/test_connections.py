"""A team's manager connects Slack or Mattermost; secrets are kept encrypted and hidden."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from chat.clients import client_for
from chat.importing import readable_text
from chat.models import ChatConnection
from core import crypto
from tests.chat.fakes import MATTERMOST_TOKEN, SLACK_SIGNING_SECRET, SLACK_TOKEN
from tests.factories import UserFactory


@pytest.fixture
def manager(team):
    team.manager = UserFactory(username="lead")
    team.save()
    return team.manager


def test_connecting_slack_reads_the_workspace_from_the_token(client, manager, team, slack):
    client.force_login(manager)

    response = client.post(reverse("chat:connection_create"), {
        "team": team.pk, "kind": "slack", "name": "Acme", "bot_token": SLACK_TOKEN,
        "signing_secret": SLACK_SIGNING_SECRET, "pin_reaction": ":pushpin:",
    })  # fmt: skip

    assert response.status_code == 302
    connection = ChatConnection.objects.get()
    assert connection.workspace_id == slack.team_id and connection.pin_reaction == "pushpin"
    assert connection.bot_token == SLACK_TOKEN
    assert SLACK_TOKEN not in connection.bot_token_encrypted
    page = client.get(reverse("chat:connection", args=[connection.pk])).content.decode()
    assert SLACK_TOKEN not in page and SLACK_SIGNING_SECRET not in page


def test_a_token_slack_refuses_is_said_and_nothing_is_saved(client, manager, team, slack):
    client.force_login(manager)

    response = client.post(reverse("chat:connection_create"), {
        "team": team.pk, "kind": "slack", "name": "Acme", "bot_token": "xoxb-wrong",
        "signing_secret": "s", "pin_reaction": "pushpin",
    })  # fmt: skip

    assert response.status_code == 200
    assert "does not accept the bot token" in response.content.decode()
    assert not ChatConnection.objects.exists()


def test_mattermost_needs_its_server_team_and_command_token(client, manager, team, mattermost):
    client.force_login(manager)
    data = {"team": team.pk, "kind": "mattermost", "name": "MM", "bot_token": MATTERMOST_TOKEN,
            "pin_reaction": "pushpin"}  # fmt: skip

    response = client.post(reverse("chat:connection_create"), data)

    form = response.context["form"]
    assert set(form.errors) == {"server_url", "workspace_id", "command_token"}
    data.update(server_url=mattermost.url, workspace_id=mattermost.team["id"], command_token="t")
    assert client.post(reverse("chat:connection_create"), data).status_code == 302


def test_a_member_who_does_not_manage_the_team_may_not_connect(client, author):
    client.force_login(author)

    assert client.get(reverse("chat:connections")).status_code == 403


def test_rotating_keys_keeps_every_secret_readable(slack, team, settings):
    connection = slack.connection(team)
    old = connection.bot_token_encrypted
    new_key = "TmV3S2V5TmV3S2V5TmV3S2V5TmV3S2V5TmV3S2V5MDA="
    settings.TRACKER_ENCRYPTION_KEYS = [new_key, *settings.TRACKER_ENCRYPTION_KEYS]

    out = io.StringIO()
    call_command("rotate_chat_keys", stdout=out)

    assert "1 chat connections" in out.getvalue()

    connection.refresh_from_db()
    assert connection.bot_token_encrypted != old
    settings.TRACKER_ENCRYPTION_KEYS = [new_key]
    assert connection.bot_token == SLACK_TOKEN
    assert connection.signing_secret == SLACK_SIGNING_SECRET
    assert crypto.decrypt(connection.signing_secret_encrypted) == SLACK_SIGNING_SECRET


def test_slack_markup_reads_as_people_see_it(slack, team):
    slack.add_user("U2", "Bo")
    client = client_for(slack.connection(team))

    text = readable_text(
        "<@U2> see <https://status.example.com|status> in <#C1|ops> &amp; <!here>", client, "slack"
    )

    assert text == "@Bo see [status](https://status.example.com) in #ops & @here"


def test_a_workspace_is_connected_once(client, manager, team, slack):
    slack.connection(team)
    client.force_login(manager)

    response = client.post(reverse("chat:connection_create"), {
        "team": team.pk, "kind": "slack", "name": "Again", "bot_token": SLACK_TOKEN,
        "signing_secret": SLACK_SIGNING_SECRET, "pin_reaction": "pushpin",
    })  # fmt: skip

    assert "connected already" in response.content.decode()
    assert ChatConnection.objects.count() == 1
