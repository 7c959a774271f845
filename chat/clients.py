"""What the chat services are asked, in this app's words, whichever service answers.

`client_for(connection)` returns a Slack or a Mattermost client with the same methods;
each returns plain values or raises ChatError, whose message says plainly what is wrong
for the person reading it (a revoked token, a channel the bot is not in). A rate limit is
waited out as the service asks (Retry-After), a bounded number of times and for a bounded
while (CHAT_MAX_RETRIES, CHAT_MAX_RETRY_WAIT_SECONDS); past that it is a transient error.
Tokens go in headers only, never in a URL, a message or a log line.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings

from chat.errors import ChatError
from chat.models import ChatConnection

# Patched by the tests, so that a Retry-After costs no wall time.
sleep = time.sleep


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False


@dataclass
class ChatUser:
    id: str
    name: str  # the name people know them by in chat
    email: str = ""


@dataclass
class ChatMessage:
    """One message of a channel, or one reply of a thread (then `thread_id` is its root)."""

    id: str  # Slack's ts, Mattermost's post id
    channel_id: str
    user_id: str
    author: str
    text: str
    posted_at: datetime  # aware, UTC
    permalink: str
    thread_id: str = ""
    pinned: bool = False
    reactions: list[str] = field(default_factory=list)

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_id) and self.thread_id != self.id


class ChatClient(Protocol):
    def check(self) -> str: ...

    def channels(self) -> list[Channel]: ...

    def channel(self, channel_id: str) -> Channel: ...

    def messages(
        self, channel_id: str, *, since: datetime, until: datetime
    ) -> list[ChatMessage]: ...

    def user(self, user_id: str) -> ChatUser: ...

    def user_by_email(self, email: str) -> ChatUser | None: ...

    def channel_member_ids(self, channel_id: str) -> set[str]: ...

    def post_message(self, channel_id: str, text: str, *, thread_id: str = "") -> str: ...

    def direct_channel(self, user_id: str) -> str: ...


def wait_or_give_up(error: ChatError, attempt: int) -> None:
    """Sleep as a rate limit asks, or raise it when it asks too long or came too often."""
    wait = error.retry_after if error.retry_after is not None else 1
    if attempt >= settings.CHAT_MAX_RETRIES or wait > settings.CHAT_MAX_RETRY_WAIT_SECONDS:
        raise error
    sleep(wait)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def client_for(connection: ChatConnection) -> ChatClient:
    """Return the client that speaks to the connection's service."""
    if connection.kind == ChatConnection.Kind.SLACK:
        from chat.slack import SlackClient

        return SlackClient(connection)
    from chat.mattermost import MattermostClient

    return MattermostClient(connection)


def ordered_with_threads(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Return messages oldest first, each thread's replies right after its root.

    A reply whose root is outside the range stands on its own, at its time.
    """
    ids = {m.id for m in messages}
    in_thread = [m for m in messages if m.is_reply and m.thread_id in ids]
    tops = sorted((m for m in messages if m not in in_thread), key=lambda m: (m.posted_at, m.id))
    replies: dict[str, list[ChatMessage]] = {}
    for message in sorted(in_thread, key=lambda m: (m.posted_at, m.id)):
        replies.setdefault(message.thread_id, []).append(message)
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered.extend(replies.get(top.id, []))
    return ordered
