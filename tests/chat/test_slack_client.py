"""The Slack client reads a channel's afternoon as Slack's Web API documents it."""

from datetime import timedelta

import pytest

from chat.clients import client_for
from chat.errors import ChatError
from tests.chat.conftest import START


@pytest.fixture
def channel(slack):
    return slack.add_channel("inc-checkout")


@pytest.fixture
def people(slack):
    return slack.add_user("U1", "Ana", "ana@example.com"), slack.add_user("U2", "Bo")


def test_messages_come_oldest_first_with_author_time_text_and_permalink(
    slack, team, channel, people
):
    ana, bo = people
    first = slack.add_message(channel, "Checkout 500s", at=START, user=ana)
    slack.add_message(channel, "Looking", at=START + timedelta(minutes=2), user=bo)

    messages = client_for(slack.connection(team)).messages(
        channel, since=START - timedelta(hours=1), until=START + timedelta(hours=1)
    )

    assert [(m.author, m.text) for m in messages] == [("Ana", "Checkout 500s"), ("Bo", "Looking")]
    assert messages[0].posted_at.replace(microsecond=0) == START
    assert messages[0].permalink == slack.permalink(channel, first)


def test_every_page_is_read_when_slack_pages_by_cursor(slack, team, channel, people):
    slack.page_size = 2
    for minute in range(5):
        slack.add_message(
            channel, f"m{minute}", at=START + timedelta(minutes=minute), user=people[0]
        )

    messages = client_for(slack.connection(team)).messages(
        channel, since=START, until=START + timedelta(hours=1)
    )

    assert [m.text for m in messages] == ["m0", "m1", "m2", "m3", "m4"]
    assert slack.calls.count("conversations.history") == 3


def test_messages_outside_the_range_are_left_out(slack, team, channel, people):
    slack.add_message(channel, "before", at=START - timedelta(hours=2), user=people[0])
    slack.add_message(channel, "during", at=START, user=people[0])
    slack.add_message(channel, "after", at=START + timedelta(hours=3), user=people[0])

    messages = client_for(slack.connection(team)).messages(
        channel, since=START - timedelta(hours=1), until=START + timedelta(hours=1)
    )

    assert [m.text for m in messages] == ["during"]


def test_thread_replies_follow_their_root_and_link_to_the_thread(slack, team, channel, people):
    ana, bo = people
    root = slack.add_message(channel, "Failover?", at=START, user=ana)
    slack.add_message(channel, "Later message", at=START + timedelta(minutes=5), user=ana)
    reply = slack.add_message(channel, "Yes, now", at=START + timedelta(minutes=9), user=bo,
                              thread=root)  # fmt: skip

    messages = client_for(slack.connection(team)).messages(
        channel, since=START, until=START + timedelta(hours=1)
    )

    assert [(m.text, m.is_reply) for m in messages] == [
        ("Failover?", False), ("Yes, now", True), ("Later message", False),
    ]  # fmt: skip
    assert messages[1].permalink == slack.permalink(channel, reply, root)


def test_pins_and_reactions_are_reported(slack, team, channel, people):
    slack.add_message(channel, "pinned", at=START, user=people[0], pinned=True)
    slack.add_message(channel, "reacted", at=START + timedelta(minutes=1), user=people[0],
                      reactions=["pushpin", "eyes"])  # fmt: skip

    pinned, reacted = client_for(slack.connection(team)).messages(
        channel, since=START, until=START + timedelta(hours=1)
    )

    assert pinned.pinned and not reacted.pinned
    assert reacted.reactions == ["pushpin", "eyes"]


def test_joins_and_topic_changes_are_not_messages(slack, team, channel, people):
    slack.add_message(channel, "<@U1> has joined", at=START, user=people[0], subtype="channel_join")
    slack.add_message(channel, "said", at=START, user=people[0])

    messages = client_for(slack.connection(team)).messages(
        channel, since=START, until=START + timedelta(hours=1)
    )

    assert [m.text for m in messages] == ["said"]


def test_a_rate_limit_is_waited_out_as_retry_after_says(slack, team, channel, waits):
    slack.rate_limited, slack.retry_after = 1, 7

    assert [c.name for c in client_for(slack.connection(team)).channels()] == ["inc-checkout"]
    assert waits == [7]


def test_a_rate_limit_asking_too_long_is_a_transient_error(slack, team, channel, waits, settings):
    settings.CHAT_MAX_RETRY_WAIT_SECONDS = 30
    slack.rate_limited, slack.retry_after = 1, 120

    with pytest.raises(ChatError) as raised:
        client_for(slack.connection(team)).channels()

    assert raised.value.transient and raised.value.retry_after == 120 and waits == []


def test_rate_limits_one_after_another_give_up_after_the_bound(
    slack, team, channel, waits, settings
):
    settings.CHAT_MAX_RETRIES = 2
    slack.rate_limited = 5

    with pytest.raises(ChatError, match="slow down"):
        client_for(slack.connection(team)).channels()

    assert len(waits) == 2


def test_a_revoked_token_says_to_install_the_app_again(slack, team, channel):
    slack.revoked = True

    with pytest.raises(ChatError, match="revoked") as raised:
        client_for(slack.connection(team)).channels()

    assert raised.value.code == "token_revoked" and not raised.value.transient


def test_a_wrong_token_is_invalid_auth(slack, team, channel):
    connection = slack.connection(team)
    connection.set_bot_token("xoxb-wrong")

    with pytest.raises(ChatError, match="does not accept the bot token"):
        client_for(connection).check()


def test_an_unknown_channel_says_to_invite_the_app(slack, team):
    with pytest.raises(ChatError, match="invite the app") as raised:
        client_for(slack.connection(team)).messages(
            "C404", since=START, until=START + timedelta(hours=1)
        )

    assert raised.value.code == "channel_not_found"


def test_people_are_found_by_e_mail(slack, team, people):
    client = client_for(slack.connection(team))

    assert client.user_by_email("ANA@example.com").id == "U1"
    assert client.user_by_email("nobody@example.com") is None


def test_a_message_is_posted_in_a_thread(slack, team, channel):
    ts = client_for(slack.connection(team)).post_message(channel, "hello", thread_id="1.000001")

    assert slack.posted == [
        {"channel": channel, "text": "hello", "thread_ts": "1.000001", "ts": ts}
    ]


def test_the_token_is_never_in_an_error_message(slack, team, channel):
    slack.revoked = True
    connection = slack.connection(team)

    with pytest.raises(ChatError) as raised:
        client_for(connection).channels()

    assert connection.bot_token not in str(raised.value)
