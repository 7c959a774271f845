"""The Mattermost client reads a channel as Mattermost's API v4 documents it."""

from datetime import timedelta

import pytest

from chat import mattermost as mattermost_module
from chat.clients import client_for
from chat.errors import ChatError
from tests.chat.conftest import START


@pytest.fixture
def channel(mattermost):
    return mattermost.add_channel("inc-checkout")


@pytest.fixture
def ana(mattermost):
    return mattermost.add_user("ana", "ana@example.com")


def read(mattermost, team, channel):
    return client_for(mattermost.connection(team)).messages(
        channel, since=START - timedelta(hours=1), until=START + timedelta(hours=1)
    )


def test_posts_come_oldest_first_with_replies_under_their_root(mattermost, team, channel, ana):
    root = mattermost.add_post(channel, "Failover?", at=START, user=ana)
    mattermost.add_post(channel, "Later", at=START + timedelta(minutes=5), user=ana)
    mattermost.add_post(channel, "Yes", at=START + timedelta(minutes=9), user=ana, root=root)

    messages = read(mattermost, team, channel)

    assert [(m.text, m.is_reply, m.author) for m in messages] == [
        ("Failover?", False, "ana"), ("Yes", True, "ana"), ("Later", False, "ana"),
    ]  # fmt: skip
    assert messages[0].posted_at == START
    assert messages[0].permalink == f"{mattermost.url}/acme/pl/{root}"


def test_every_page_is_read_until_older_than_the_range(mattermost, team, channel, ana, monkeypatch):
    monkeypatch.setattr(mattermost_module, "PAGE_SIZE", 2)
    mattermost.add_post(channel, "long before", at=START - timedelta(days=2), user=ana)
    mattermost.add_post(channel, "before", at=START - timedelta(days=1), user=ana)
    for minute in range(5):
        mattermost.add_post(channel, f"m{minute}", at=START + timedelta(minutes=minute), user=ana)

    messages = read(mattermost, team, channel)

    assert [m.text for m in messages] == ["m0", "m1", "m2", "m3", "m4"]
    pages = [c for c in mattermost.calls if c.endswith("/posts")]
    assert len(pages) == 3  # the third reaches past the range: no fourth


def test_pins_and_reactions_are_reported(mattermost, team, channel, ana):
    mattermost.add_post(channel, "pinned", at=START, user=ana, pinned=True)
    mattermost.add_post(channel, "reacted", at=START + timedelta(minutes=1), user=ana,
                        reactions=["pushpin"])  # fmt: skip

    pinned, reacted = read(mattermost, team, channel)

    assert pinned.pinned and reacted.reactions == ["pushpin"] and not reacted.pinned


def test_a_rate_limit_is_waited_out(mattermost, team, channel, waits):
    mattermost.rate_limited, mattermost.retry_after = 1, 3

    assert [c.name for c in client_for(mattermost.connection(team)).channels()] == ["inc-checkout"]
    assert waits == [3]


def test_a_revoked_token_is_said_plainly(mattermost, team, channel):
    mattermost.revoked = True

    with pytest.raises(ChatError, match="revoked or wrong") as raised:
        client_for(mattermost.connection(team)).channels()

    assert raised.value.status == 401


def test_an_unknown_channel_is_not_found(mattermost, team):
    with pytest.raises(ChatError, match="no such channel") as raised:
        client_for(mattermost.connection(team)).messages(
            "nochannel", since=START, until=START + timedelta(hours=1)
        )

    assert raised.value.status == 404


def test_a_server_on_a_private_address_is_refused_unless_allowed(mattermost, team, settings):
    settings.CHAT_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(ChatError, match="CHAT_ALLOW_PRIVATE_ADDRESSES"):
        client_for(mattermost.connection(team)).check()

    assert mattermost.calls == []


def test_people_are_found_by_e_mail(mattermost, team, ana):
    client = client_for(mattermost.connection(team))

    assert client.user_by_email("ana@example.com").id == ana
    assert client.user_by_email("nobody@example.com") is None
