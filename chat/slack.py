"""Slack's Web API through slack_sdk, as the chat app uses it.

Methods and scopes (the README lists them for the Slack app): conversations.list,
conversations.info, conversations.history, conversations.replies, conversations.members
(channels:read, groups:read, channels:history, groups:history), pins.list (pins:read),
users.info and users.lookupByEmail (users:read, users:read.email), chat.postMessage
(chat:write), conversations.open (im:write), auth.test. Lists are read by cursor to the end;
a 429 `ratelimited` is waited out as its Retry-After says (bounded, see chat.clients).
"""

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from chat.clients import (
    Channel,
    ChatMessage,
    ChatUser,
    from_timestamp,
    ordered_with_threads,
    wait_or_give_up,
)
from chat.errors import ChatError
from chat.models import ChatConnection

PAGE_SIZE = 200

MESSAGES = {
    "token_revoked": "Slack says the bot token was revoked; install the app again and enter "
    "the new token.",
    "invalid_auth": "Slack does not accept the bot token; check it and enter it again.",
    "not_authed": "Slack was sent no token; enter the bot token again.",
    "account_inactive": "The Slack app's account is deactivated; install the app again.",
    "channel_not_found": "Slack finds no such channel, or the app may not see it; invite the "
    "app to the channel (/invite @app) and try again.",
    "not_in_channel": "The Slack app is not in that channel; invite it (/invite @app).",
    "missing_scope": "The Slack app lacks a scope this needs; add the scopes the README "
    "lists and reinstall the app.",
    "users_not_found": "Slack has no user with that e-mail.",
    "user_not_found": "Slack has no such user.",
}


def slack_ts(moment: datetime) -> str:
    """Return the moment as Slack's ts (seconds since the epoch, to the microsecond)."""
    return f"{Decimal(str(moment.timestamp())):.6f}"


def _error(error: SlackApiError) -> ChatError:
    response = error.response
    code = (response.data or {}).get("error", "") if isinstance(response.data, dict) else ""
    status = response.status_code
    if status == 429 or code == "ratelimited":
        after = str(response.headers.get("Retry-After", response.headers.get("retry-after", "")))
        return ChatError(
            "Slack asks us to slow down; try again in a minute.",
            code="ratelimited",
            status=429,
            transient=True,
            retry_after=int(after) if after.strip().isdigit() else None,
        )
    message = MESSAGES.get(code, f"Slack answered {code or status}.")
    return ChatError(message, code=code, status=status, transient=status >= 500)


class SlackClient:
    """One workspace, as its bot token sees it."""

    def __init__(self, connection: ChatConnection) -> None:
        self.connection = connection
        self.web = WebClient(
            token=connection.bot_token,
            base_url=settings.SLACK_API_URL,
            timeout=settings.CHAT_TIMEOUT_SECONDS,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        )
        self._users: dict[str, ChatUser] = {}
        self._workspace_url = ""
        self.team_id = ""

    def _call(self, method: str, **params) -> dict:
        attempt = 0
        while True:
            try:
                data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
                return self.web.api_call(method, http_verb="POST", data=data).data
            except SlackApiError as raw:
                error = _error(raw)
                if error.code != "ratelimited":
                    raise error from None
                wait_or_give_up(error, attempt)
                attempt += 1
            except SlackClientError:
                raise ChatError("Slack could not be reached; try again.", transient=True) from None
            except OSError:
                raise ChatError("Slack could not be reached; try again.", transient=True) from None

    def _pages(self, method: str, key: str, **params) -> Iterator[dict]:
        cursor = ""
        while True:
            data = self._call(
                method, limit=PAGE_SIZE, **params, **({"cursor": cursor} if cursor else {})
            )
            yield from data.get(key) or []
            cursor = (data.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return

    def check(self) -> str:
        """Return the workspace's name as the token sees it; raise ChatError if it cannot."""
        data = self._call("auth.test")
        self._workspace_url = data.get("url", "")
        self.team_id = data.get("team_id", "")
        return data.get("team", "")

    def workspace_url(self) -> str:
        if not self._workspace_url:
            self.check()
        return self._workspace_url

    def channels(self) -> list[Channel]:
        found = self._pages(
            "conversations.list",
            "channels",
            types="public_channel,private_channel",
            exclude_archived=True,
        )
        return sorted(
            (Channel(c["id"], c.get("name", c["id"]), bool(c.get("is_private"))) for c in found),
            key=lambda c: c.name,
        )

    def channel(self, channel_id: str) -> Channel:
        data = self._call("conversations.info", channel=channel_id)["channel"]
        return Channel(data["id"], data.get("name", data["id"]), bool(data.get("is_private")))

    def permalink(self, channel_id: str, ts: str, thread_ts: str = "") -> str:
        """Return the message's link, in the form chat.getPermalink answers.

        Built from auth.test's workspace URL rather than asked for each message: a channel's
        afternoon is hundreds of messages, and chat.getPermalink is one call each.
        """
        link = f"{self.workspace_url()}archives/{channel_id}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link

    def messages(self, channel_id: str, *, since: datetime, until: datetime) -> list[ChatMessage]:
        """Return the channel's messages and their threads' replies between the two times."""
        oldest, latest = slack_ts(since), slack_ts(until)
        pinned = {
            item["message"]["ts"]
            for item in self._call("pins.list", channel=channel_id).get("items") or []
            if item.get("type") == "message" and item.get("message")
        }
        found: list[dict] = []
        for raw in self._pages(
            "conversations.history",
            "messages",
            channel=channel_id,
            oldest=oldest,
            latest=latest,
            inclusive=True,
        ):
            found.append(raw)
            if raw.get("reply_count") and raw.get("thread_ts") == raw.get("ts"):
                replies = self._pages(
                    "conversations.replies",
                    "messages",
                    channel=channel_id,
                    ts=raw["ts"],
                    oldest=oldest,
                    latest=latest,
                    inclusive=True,
                )
                found.extend(reply for reply in replies if reply.get("ts") != raw["ts"])
        messages = [self._message(channel_id, raw, pinned) for raw in found if self._shown(raw)]
        return ordered_with_threads(messages)

    @staticmethod
    def _shown(raw: dict) -> bool:
        # Joins, leaves, topic changes and the like say nothing about the incident.
        return raw.get("subtype") in (None, "", "bot_message", "thread_broadcast", "file_share")

    def _message(self, channel_id: str, raw: dict, pinned: set[str]) -> ChatMessage:
        ts = raw["ts"]
        thread_ts = raw.get("thread_ts", "")
        user_id = raw.get("user") or raw.get("bot_id", "")
        if raw.get("user"):
            author = self.user(raw["user"]).name
        else:
            author = raw.get("username") or (raw.get("bot_profile") or {}).get("name", "") or "bot"
        return ChatMessage(
            id=ts,
            channel_id=channel_id,
            user_id=user_id,
            author=author,
            text=raw.get("text", ""),
            posted_at=from_timestamp(float(ts)),
            permalink=self.permalink(channel_id, ts, thread_ts),
            thread_id=thread_ts if thread_ts and thread_ts != ts else "",
            pinned=ts in pinned or bool(raw.get("pinned_to")),
            reactions=[r["name"] for r in raw.get("reactions") or [] if r.get("name")],
        )

    def user(self, user_id: str) -> ChatUser:
        if user_id not in self._users:
            data = self._call("users.info", user=user_id)["user"]
            self._users[user_id] = _user(data)
        return self._users[user_id]

    def user_by_email(self, email: str) -> ChatUser | None:
        try:
            data = self._call("users.lookupByEmail", email=email)["user"]
        except ChatError as error:
            if error.code == "users_not_found":
                return None
            raise
        return _user(data)

    def channel_member_ids(self, channel_id: str) -> set[str]:
        return set(self._pages("conversations.members", "members", channel=channel_id))

    def post_message(self, channel_id: str, text: str, *, thread_id: str = "") -> str:
        """Post the text in the channel (in a thread when given); return the message's ts."""
        params = {"channel": channel_id, "text": text}
        if thread_id:
            params["thread_ts"] = thread_id
        return self._call("chat.postMessage", **params)["ts"]

    def direct_channel(self, user_id: str) -> str:
        """Return the id of the bot's direct conversation with the user (conversations.open)."""
        return self._call("conversations.open", users=user_id)["channel"]["id"]


def _user(data: dict) -> ChatUser:
    profile = data.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or data.get("real_name")
        or data.get("name")
        or data["id"]
    )
    return ChatUser(data["id"], name, profile.get("email", ""))
