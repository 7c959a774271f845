"""/postmortem in Slack and Mattermost: signed, answered at once, done after."""

import hashlib
import hmac
import json
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from chat import tasks
from chat.models import ChatCommand, ChatUserLink, IncidentChannel
from core import deliveries
from incidents.models import Incident
from tests.chat.fakes import MATTERMOST_COMMAND_TOKEN, SLACK_SIGNING_SECRET
from tests.factories import IncidentFactory, UserFactory

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def channel(slack):
    return slack.add_channel("inc-checkout")


@pytest.fixture
def connection(slack, team):
    return slack.connection(team)


@pytest.fixture
def ana(slack, author):
    return slack.add_user("U1", "Ana", author.email)


@pytest.fixture
def live(team, author):
    """An incident going on now: notes from chat are at the time of the command."""
    return IncidentFactory(
        team=team, commander=author, started_at=timezone.now() - timedelta(hours=1),
        detected_at=None, mitigated_at=None, resolved_at=None, status="investigating",
    )  # fmt: skip


@pytest.fixture
def linked(connection, live, channel):
    IncidentChannel.objects.create(incident=live, connection=connection, channel_id=channel)
    return live


@pytest.fixture
def run(slack, client, django_capture_on_commit_callbacks):
    """Send a command and let its task run; return the immediate answer."""

    def send(text, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = slack.command(client, text, **kwargs)
        assert response.status_code == 200, response.content
        return response.json()

    return send


# Signed requests.


def test_a_signed_command_is_answered_at_once_and_done_after(run, slack, ana, channel, linked):
    answer = run("note DB failover started", channel=channel)

    assert answer == {"response_type": "ephemeral", "text": "Working on it…"}
    assert [a["text"].split(": ", 1)[1] for a in slack.answers] == ["DB failover started"]
    assert linked.timeline_events.get().description == "DB failover started"


def test_a_bad_signature_is_refused(slack, client, connection, channel):
    response = slack.command(client, "link", channel=channel, secret="not-the-secret")

    assert response.status_code == 401
    assert ChatCommand.objects.count() == 0


def test_a_stale_timestamp_is_refused_even_with_a_good_signature(slack, client, connection):
    response = slack.command(client, "help", signed_at=int(time.time()) - 6 * 60)

    assert response.status_code == 401


def test_a_timestamp_that_is_not_a_number_is_refused(slack, client, connection):
    response = client.post(
        "/chat/slack/commands/", f"team_id={slack.team_id}&text=help",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
    )  # fmt: skip

    assert response.status_code == 401


def slack_post(client, body: bytes, *, content_type: str = FORM, timestamp: str = "",
               secret: str = SLACK_SIGNING_SECRET, signature: str = ""):  # fmt: skip
    """Post a body signed as Slack signs one (or with the given signature)."""
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature or f"v0={digest.hexdigest()}"}  # fmt: skip
    return client.post("/chat/slack/commands/", body, content_type=content_type, headers=headers)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"timestamp": "\u00b2"}, b""),  # a digit to str.isdigit, not to int()
        ({"timestamp": "9" * 400}, b""),
        ({"signature": "v0=\u00e9t\u00e9"}, b""),  # header bytes read as Latin-1
        ({}, b"&text=\xff\xfe"),  # not UTF-8
    ],
)
def test_a_signature_no_slack_app_makes_is_refused_401(slack, client, connection, headers, body):
    response = slack_post(client, f"team_id={slack.team_id}&text=help".encode() + body, **headers)

    assert response.status_code == 401
    assert response.content.decode() == "The request is not signed by a connected Slack app."


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9C"}),
        json.dumps({"type": "event_callback", "event": {"type": "app_mention"}}),
    ],
)
def test_slacks_events_api_is_told_this_url_takes_slash_commands(slack, client, connection, body):
    response = slack_post(client, body.encode(), content_type="application/json")

    assert response.status_code == 415
    assert "Slash commands come form-encoded" in response.content.decode()
    assert "Events API" in response.content.decode()


def test_a_command_without_its_user_channel_or_answer_url_is_refused_400(slack, client, connection):
    response = slack_post(client, f"team_id={slack.team_id}&text=note+x".encode())

    assert response.status_code == 400
    assert response.content.decode() == "The command lacks user_id, channel_id, response_url."
    assert not ChatCommand.objects.exists()


def test_a_command_larger_than_any_chat_sends_is_refused_413(slack, client, connection, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = slack_post(client, f"team_id={slack.team_id}&text=".encode() + b"a" * 20_000)

    assert response.status_code == 413
    assert response.content.decode() == "The command is larger than any chat sends."


def test_a_mattermost_command_in_json_is_refused_415(mattermost, client, team):
    mattermost.connection(team)

    response = client.post("/chat/mattermost/commands/", {"token": MATTERMOST_COMMAND_TOKEN},
                           content_type="application/json")  # fmt: skip

    assert response.status_code == 415
    assert "Events API" not in response.content.decode()


def test_a_workspace_nobody_connected_is_refused(slack, client, db):
    assert slack.command(client, "help").status_code == 401


def test_help_is_answered_at_once_without_a_worker(slack, client, connection):
    response = slack.command(client, "help")

    assert "/postmortem note <text>" in response.json()["text"]
    assert ChatCommand.objects.count() == 0


def test_a_command_sent_twice_is_done_once(run, slack, ana, channel, linked):
    run("note once", channel=channel, trigger_id="trig.same")
    run("note once", channel=channel, trigger_id="trig.same")

    assert linked.timeline_events.count() == 1


def lose(slack, client, django_capture_on_commit_callbacks, text, channel, *, minutes_ago):
    """Send a command whose task the broker loses; return its row, received minutes ago."""
    with django_capture_on_commit_callbacks(execute=False):  # the nudge never runs
        assert slack.command(client, text, channel=channel).status_code == 200
    command = ChatCommand.objects.get(text=text)
    received_at = timezone.now() - timedelta(minutes=minutes_ago)
    ChatCommand.objects.filter(pk=command.pk).update(received_at=received_at)
    command.refresh_from_db()
    return command


def test_a_command_whose_task_was_lost_is_done_once_by_recovery(
    slack, client, django_capture_on_commit_callbacks, settings, ana, channel, linked
):
    settings.DELIVERY_RECOVER_AFTER_SECONDS = 120
    command = lose(slack, client, django_capture_on_commit_callbacks, "note DB failover started",
                   channel, minutes_ago=3)  # fmt: skip

    assert deliveries.recover_owed()["chat_command"] == 1
    assert deliveries.recover_owed()["chat_command"] == 0
    tasks.run_command(command_id=command.pk)  # a second nudge, still queued, runs late

    assert [e.description for e in linked.timeline_events.all()] == ["DB failover started"]
    assert linked.timeline_events.get().occurred_at == command.received_at
    command.refresh_from_db()
    assert command.status == "done" and command.answered_at is not None
    assert [a["text"].split(": ", 1)[1] for a in slack.answers] == ["DB failover started"]


def test_recovery_leaves_commands_just_taken_in_running_or_too_old(
    slack, client, django_capture_on_commit_callbacks, settings, ana, channel, linked
):
    settings.DELIVERY_RECOVER_AFTER_SECONDS = 120
    settings.DELIVERY_CLAIM_STALE_SECONDS = 300
    send = (slack, client, django_capture_on_commit_callbacks)
    lose(*send, "note just now", channel, minutes_ago=0)  # its task may still be queued
    running = lose(*send, "note half done", channel, minutes_ago=10)
    ChatCommand.objects.filter(pk=running.pk).update(status="running")
    lose(*send, "note an hour ago", channel, minutes_ago=60)  # typed again since, likely
    overdue = lose(*send, "note late", channel, minutes_ago=10)

    assert deliveries.overdue_counts()["chat_command"] == 1
    assert deliveries.recover_owed()["chat_command"] == 1

    assert [e.description for e in linked.timeline_events.all()] == ["late"]
    assert ChatCommand.objects.get(pk=overdue.pk).status == "done"


# What the commands do.


def test_open_makes_an_incident_for_the_channel_and_says_so_in_it(
    run, slack, ana, channel, author, connection
):
    run("open Checkout returns 500", channel=channel)

    incident = Incident.objects.get(title="Checkout returns 500")
    assert incident.commander == author and incident.created_by == author
    assert IncidentChannel.objects.get(incident=incident).channel_id == channel
    (answer,) = slack.answers
    assert answer["response_type"] == "in_channel" and incident.reference in answer["text"]


def test_a_note_is_at_the_time_of_the_command(run, ana, channel, linked):
    before = Incident.objects.get(pk=linked.pk)
    run("note Rolled back the deploy", channel=channel)

    event = before.timeline_events.get()
    assert event.description == "Rolled back the deploy"
    assert event.occurred_at == ChatCommand.objects.get().received_at


def test_an_action_item_gets_its_owner_and_due_date(run, slack, ana, channel, linked, team):
    bo = UserFactory(username="bo", email="bo@example.com")
    slack.add_user("U2", "Bo", "bo@example.com")

    run("action Alert on replica lag <@U2|bo> due 2026-04-01", channel=channel)

    item = linked.action_items.get()
    assert (item.title, item.owner, item.due_date) == ("Alert on replica lag", bo, date(2026, 4, 1))
    assert ChatUserLink.objects.filter(user=bo, chat_user_id="U2").exists()


def test_an_action_without_an_owner_says_how(run, slack, ana, channel, linked):
    run("action Alert on replica lag", channel=channel)

    assert "Name the owner" in slack.answers[0]["text"] and not linked.action_items.exists()


def test_link_answers_in_the_channel_for_a_public_incident(run, slack, ana, channel, linked):
    run("link", channel=channel)

    (answer,) = slack.answers
    assert answer["response_type"] == "in_channel"
    assert f"/incidents/{linked.pk}/" in answer["text"]


def test_someone_unknown_here_is_told_plainly(run, slack, channel, linked):
    slack.add_user("U9", "Stranger", "stranger@example.com")

    run("note hi", user="U9", channel=channel)

    assert "don't know who you are" in slack.answers[0]["text"]
    assert not linked.timeline_events.exists()


def test_someone_who_may_not_edit_the_incident_may_not_add_to_it(run, slack, channel, linked):
    UserFactory(email="reader@example.com")
    slack.add_user("U3", "Reader", "reader@example.com")

    run("note hi", user="U3", channel=channel)

    assert "Only people who may edit" in slack.answers[0]["text"]
    assert not linked.timeline_events.exists()


# Private incidents.


@pytest.fixture
def private(connection, team, author, channel):
    incident = IncidentFactory(team=None, commander=author, is_private=True, title="Secret leak",
                               started_at=timezone.now(), resolved_at=None, status="investigating",
                               detected_at=None, mitigated_at=None)  # fmt: skip
    IncidentChannel.objects.create(incident=incident, connection=connection, channel_id=channel)
    return incident


def test_a_private_incident_is_linked_only_ephemerally_to_someone_allowed(run, slack, ana, channel,
                                                                          private):  # fmt: skip
    run("link", channel=channel)

    (answer,) = slack.answers
    assert answer["response_type"] == "ephemeral" and "Secret leak" in answer["text"]


def test_a_private_incident_does_not_exist_for_someone_not_allowed(run, slack, channel, private):
    UserFactory(email="other@example.com")
    slack.add_user("U4", "Other", "other@example.com")

    run("link", user="U4", channel=channel)

    (answer,) = slack.answers
    assert "No incident is linked" in answer["text"] and "Secret" not in answer["text"]
    assert answer["response_type"] == "ephemeral"


def test_an_owner_who_may_not_see_a_private_incident_is_refused(run, slack, ana, channel, private):
    UserFactory(username="eve", email="eve@example.com")

    run("action Rotate keys @eve", channel=channel)

    assert "may not see" in slack.answers[0]["text"] and not private.action_items.exists()


# Mattermost.


def test_a_mattermost_command_with_its_token_adds_a_note(
    mattermost, client, team, live, author, django_capture_on_commit_callbacks
):
    incident = live
    connection = mattermost.connection(team)
    channel = mattermost.add_channel("inc-checkout")
    user = mattermost.add_user("ana", author.email)
    IncidentChannel.objects.create(incident=incident, connection=connection, channel_id=channel)

    with django_capture_on_commit_callbacks(execute=True):
        response = mattermost.command(client, "note Failover done", user=user, channel=channel)

    assert response.status_code == 200
    assert incident.timeline_events.get().description == "Failover done"
    assert "Failover done" in mattermost.answers[0]["text"]


def test_a_mattermost_command_with_another_token_is_refused(mattermost, client, team):
    mattermost.connection(team)
    channel = mattermost.add_channel("x")

    response = mattermost.command(client, "link", user="u", channel=channel, token="wrong")

    assert response.status_code == 401
    assert MATTERMOST_COMMAND_TOKEN not in response.content.decode()
