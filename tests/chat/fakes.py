"""A fake Slack Web API and a fake Mattermost API v4 on pytest-httpserver.

Shapes follow Slack's method reference (conversations.history, conversations.replies,
pins.list, users.info, users.lookupByEmail, chat.postMessage, auth.test; cursor pagination
in response_metadata.next_cursor; errors as {"ok": false, "error": …}, and a 429 with
Retry-After for `ratelimited`) and Mattermost's API v4 reference (posts as
{"order": […], "posts": {…}} newest first, page/per_page; 401, 404, 429 with Retry-After).
Each fake keeps its channels, messages and users, so a test adds messages, revokes the
token or asks for a rate limit, and reads what was posted.

    slack = FakeSlack(httpserver)          # the lead's story test can use it as well
    connection = slack.connection(team)   # a ChatConnection pointing at it
    channel = slack.add_channel("inc-checkout")
    slack.add_message(channel, "DB failover started", at=moment, user=slack.add_user(...))
"""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.test import override_settings
from werkzeug import Request, Response

from chat.models import ChatConnection

SLACK_TOKEN = "xoxb-1111-2222-slack-bot-token"
SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MATTERMOST_TOKEN = "mm-personal-access-token-abc123"
MATTERMOST_COMMAND_TOKEN = "mm-slash-command-token-xyz"


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers or {}, content_type="application/json"
    )


def slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


@dataclass
class SlackMessage:
    ts: str
    user: str
    text: str
    thread_ts: str = ""
    reactions: list[str] = field(default_factory=list)
    subtype: str = ""

    def as_slack(self, replies: int = 0) -> dict:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user,
                                "text": self.text}  # fmt: skip
        if self.subtype:
            data["subtype"] = self.subtype
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if replies:
            data["thread_ts"] = self.ts
            data["reply_count"] = replies
        if self.reactions:
            data["reactions"] = [
                {"name": n, "count": 1, "users": [self.user]} for n in self.reactions
            ]
        return data


class FakeSlack:
    """Slack's Web API under /slack/api/ of the test's HTTP server."""

    def __init__(self, server, *, page_size: int = 100) -> None:
        self.server = server
        self.page_size = page_size  # Slack may answer fewer than `limit`; tests page with 2
        self.token = SLACK_TOKEN
        self.revoked = False
        self.rate_limited = 0  # answer this many next calls with 429
        self.retry_after = 1
        self.team_id = "T0CHAT001"
        self.domain = "acme"
        self.channels: dict[str, dict] = {}
        self.messages: dict[str, list[SlackMessage]] = {}
        self.pins: dict[str, set[str]] = {}
        self.users: dict[str, dict] = {}
        self.members: dict[str, list[str]] = {}
        self.posted: list[dict] = []
        self.calls: list[str] = []
        self._ts = 0
        self.answers: list[dict] = []  # what was posted to commands' response_url
        server.expect_request(re.compile(r"^/slack/api/.*")).respond_with_handler(self.handle)
        server.expect_request(re.compile(r"^/slack/response/.*")).respond_with_handler(
            self.take_answer
        )

    def take_answer(self, request: Request) -> Response:
        self.answers.append(request.get_json())
        return Response("ok")

    def command(
        self, client, text: str, *, user: str = "U1", channel: str = "",
        signed_at: int | None = None, secret: str = SLACK_SIGNING_SECRET, trigger_id: str = "",
    ):  # fmt: skip
        """Send /postmortem as Slack does: form-encoded, signed with v0 and a timestamp."""
        self._ts += 1
        body = urlencode({
            "token": "deprecated-verification-token", "team_id": self.team_id,
            "team_domain": self.domain, "channel_id": channel,
            "channel_name": self.channels.get(channel, {}).get("name", ""), "user_id": user,
            "user_name": self.users.get(user, {}).get("name", ""), "command": "/postmortem",
            "text": text, "api_app_id": "A0CHAT", "response_url": self.server.url_for(
                f"/slack/response/{self._ts}"), "trigger_id": trigger_id or f"trig.{self._ts}",
        })  # fmt: skip
        timestamp = str(signed_at if signed_at is not None else int(time.time()))
        signature = (
            "v0="
            + hmac.new(
                secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
            ).hexdigest()
        )
        return client.post(
            "/chat/slack/commands/", body, content_type="application/x-www-form-urlencoded",
            headers={"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature},
        )  # fmt: skip

    @property
    def api_url(self) -> str:
        return self.server.url_for("/slack/api/")

    def settings(self):
        """Return an override_settings pointing slack_sdk at this fake (use as a context)."""
        return override_settings(SLACK_API_URL=self.api_url)

    def connection(self, team, **fields) -> ChatConnection:
        fields = {"kind": ChatConnection.Kind.SLACK, "name": "Acme Slack",
                  "workspace_id": self.team_id, **fields}  # fmt: skip
        connection = ChatConnection(team=team, **fields)
        connection.set_bot_token(self.token)
        connection.set_signing_secret(SLACK_SIGNING_SECRET)
        connection.save()
        return connection

    def add_user(self, user_id: str, name: str, email: str = "") -> str:
        self.users[user_id] = {
            "id": user_id, "team_id": self.team_id, "name": name.lower(), "real_name": name,
            "profile": {"real_name": name, "display_name": name, "email": email},
        }  # fmt: skip
        return user_id

    def add_channel(self, name: str, *, private: bool = False, channel_id: str = "") -> str:
        channel_id = channel_id or f"C{len(self.channels) + 1:08d}"
        self.channels[channel_id] = {"id": channel_id, "name": name, "is_channel": True,
                                     "is_private": private, "is_member": True}  # fmt: skip
        self.messages[channel_id] = []
        self.pins[channel_id] = set()
        self.members[channel_id] = []
        return channel_id

    def add_message(
        self, channel_id: str, text: str, *, at: datetime, user: str, thread: str = "",
        reactions: list[str] | None = None, pinned: bool = False, subtype: str = "",
    ) -> str:  # fmt: skip
        """Post a message as `user` at the time; `thread` is its root's ts for a reply."""
        self._ts += 1
        # Unique even for two messages in one second, as Slack's are.
        ts = f"{int(at.timestamp())}.{self._ts:06d}"
        self.messages[channel_id].append(
            SlackMessage(ts, user, text, thread, list(reactions or []), subtype)
        )
        if pinned:
            self.pins[channel_id].add(ts)
        return ts

    def permalink(self, channel_id: str, ts: str, thread_ts: str = "") -> str:
        link = f"https://{self.domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link

    # The server side.

    def handle(self, request: Request) -> Response:
        method = request.path.removeprefix("/slack/api/")
        self.calls.append(method)
        if self.rate_limited:
            self.rate_limited -= 1
            return _json({"ok": False, "error": "ratelimited"}, 429,
                         {"Retry-After": str(self.retry_after)})  # fmt: skip
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"ok": False, "error": "invalid_auth"})
        if self.revoked:
            return _json({"ok": False, "error": "token_revoked"})
        params = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
        params.update(request.form.to_dict())
        if request.is_json:
            params.update(request.get_json())
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return _json({"ok": False, "error": "unknown_method"}, 404)
        return handler(params)

    def _ok(self, **data) -> Response:
        return _json({"ok": True, **data})

    def _error(self, error: str) -> Response:
        return _json({"ok": False, "error": error})

    def _page(self, items: list, params: dict, key: str, **extra) -> Response:
        start = int(params.get("cursor") or 0)
        size = min(int(params.get("limit") or 100), self.page_size)
        page = items[start : start + size]
        more = start + size < len(items)
        cursor = str(start + size) if more else ""
        return self._ok(
            **{key: page}, has_more=more, **extra, response_metadata={"next_cursor": cursor}
        )

    def _channel(self, params: dict) -> str | None:
        channel_id = params.get("channel", "")
        return channel_id if channel_id in self.channels else None

    def m_auth_test(self, params: dict) -> Response:
        return self._ok(url=f"https://{self.domain}.slack.com/", team="Acme", team_id=self.team_id,
                        user="postmortems", user_id="UBOT", bot_id="BBOT")  # fmt: skip

    def m_conversations_list(self, params: dict) -> Response:
        return self._page(list(self.channels.values()), params, "channels")

    def m_conversations_info(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        return self._ok(channel=self.channels[channel_id])

    def _in_range(self, ts: str, params: dict) -> bool:
        value = float(ts)
        return float(params.get("oldest") or 0) <= value <= float(params.get("latest") or 9e12)

    def m_conversations_history(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        messages = self.messages[channel_id]
        roots = [m for m in messages if not m.thread_ts and self._in_range(m.ts, params)]
        replies = {m.ts: sum(1 for r in messages if r.thread_ts == m.ts) for m in roots}
        newest_first = sorted(roots, key=lambda m: float(m.ts), reverse=True)
        return self._page([m.as_slack(replies[m.ts]) for m in newest_first], params, "messages")

    def m_conversations_replies(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        messages = self.messages[channel_id]
        parent = next((m for m in messages if m.ts == params.get("ts")), None)
        if parent is None:
            return self._error("thread_not_found")
        thread = [m for m in messages if m.thread_ts == parent.ts and self._in_range(m.ts, params)]
        count = sum(1 for m in messages if m.thread_ts == parent.ts)
        items = [parent.as_slack(count)] + [
            m.as_slack() for m in sorted(thread, key=lambda m: float(m.ts))
        ]
        return self._page(items, params, "messages")

    def m_conversations_members(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        return self._page(self.members[channel_id], params, "members")

    def m_pins_list(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        by_ts = {m.ts: m for m in self.messages[channel_id]}
        items = [{"type": "message", "channel": channel_id, "message": by_ts[ts].as_slack()}
                 for ts in sorted(self.pins[channel_id])]  # fmt: skip
        return self._ok(items=items)

    def m_users_info(self, params: dict) -> Response:
        user = self.users.get(params.get("user", ""))
        return self._ok(user=user) if user else self._error("user_not_found")

    def m_users_lookupByEmail(self, params: dict) -> Response:
        email = params.get("email", "").lower()
        for user in self.users.values():
            if user["profile"]["email"].lower() == email and email:
                return self._ok(user=user)
        return self._error("users_not_found")

    def m_chat_postMessage(self, params: dict) -> Response:
        channel_id = self._channel(params)
        if channel_id is None:
            return self._error("channel_not_found")
        self._ts += 1
        ts = f"{int(datetime.now(UTC).timestamp())}.{self._ts:06d}"
        self.posted.append({**params, "ts": ts})
        return self._ok(channel=channel_id, ts=ts, message={"text": params.get("text"), "ts": ts})


class FakeMattermost:
    """Mattermost's API v4 under /mm/api/v4/ of the test's HTTP server."""

    def __init__(self, server) -> None:
        self.server = server
        self.token = MATTERMOST_TOKEN
        self.revoked = False
        self.rate_limited = 0
        self.retry_after = 1
        self.team = {"id": "tm0000000000000000000000ac", "name": "acme", "display_name": "Acme"}
        self.channels: dict[str, dict] = {}
        self.posts: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.members: dict[str, list[str]] = {}
        self.posted: list[dict] = []
        self.calls: list[str] = []
        self._n = 0
        self.answers: list[dict] = []
        server.expect_request(re.compile(r"^/mm/api/v4/.*")).respond_with_handler(self.handle)
        server.expect_request(re.compile(r"^/mm/response/.*")).respond_with_handler(
            self.take_answer
        )

    def take_answer(self, request: Request) -> Response:
        self.answers.append(request.get_json())
        return Response("ok")

    def command(
        self, client, text: str, *, user: str, channel: str, token: str = MATTERMOST_COMMAND_TOKEN
    ):
        """Send /postmortem as Mattermost does: form-encoded, with the command's token."""
        self._n += 1
        body = {
            "channel_id": channel, "channel_name": self.channels.get(channel, {}).get("name", ""),
            "command": "/postmortem", "team_id": self.team["id"], "team_domain": "acme",
            "text": text, "token": token, "user_id": user,
            "user_name": self.users.get(user, {}).get("username", ""),
            "response_url": self.server.url_for(f"/mm/response/{self._n}"),
            "trigger_id": f"mmtrigger{self._n}",
        }  # fmt: skip
        return client.post("/chat/mattermost/commands/", urlencode(body),
                           content_type="application/x-www-form-urlencoded")  # fmt: skip

    @property
    def url(self) -> str:
        return self.server.url_for("/mm").rstrip("/")

    def connection(self, team, **fields) -> ChatConnection:
        fields = {"kind": ChatConnection.Kind.MATTERMOST, "name": "Acme Mattermost",
                  "workspace_id": self.team["id"], "server_url": self.url, **fields}  # fmt: skip
        connection = ChatConnection(team=team, **fields)
        connection.set_bot_token(self.token)
        connection.set_command_token(MATTERMOST_COMMAND_TOKEN)
        connection.save()
        return connection

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n:024d}"[:26]

    def add_user(self, username: str, email: str = "") -> str:
        user_id = self._id("us")
        self.users[user_id] = {"id": user_id, "username": username, "email": email,
                               "first_name": "", "last_name": "", "nickname": ""}  # fmt: skip
        return user_id

    def add_channel(self, name: str, *, private: bool = False) -> str:
        channel_id = self._id("ch")
        self.channels[channel_id] = {"id": channel_id, "name": name, "display_name": name,
                                     "team_id": self.team["id"], "type": "P" if private else "O",
                                     "delete_at": 0}  # fmt: skip
        self.members[channel_id] = []
        return channel_id

    def add_post(
        self, channel_id: str, message: str, *, at: datetime, user: str, root: str = "",
        reactions: list[str] | None = None, pinned: bool = False,
    ) -> str:  # fmt: skip
        post_id = self._id("po")
        millis = int(at.timestamp() * 1000)
        self.posts[post_id] = {
            "id": post_id, "create_at": millis, "update_at": millis, "delete_at": 0,
            "user_id": user, "channel_id": channel_id, "root_id": root, "message": message,
            "type": "", "is_pinned": pinned, "has_reactions": bool(reactions),
            "metadata": {"reactions": [{"user_id": user, "post_id": post_id, "emoji_name": name,
                                        "create_at": millis} for name in reactions or []]},
        }  # fmt: skip
        if not reactions:
            del self.posts[post_id]["metadata"]["reactions"]
        return post_id

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix("/mm/api/v4")
        self.calls.append(f"{request.method} {path}")
        if self.rate_limited:
            self.rate_limited -= 1
            return _json({"id": "api.context.rate_limit", "status_code": 429}, 429,
                         {"Retry-After": str(self.retry_after)})  # fmt: skip
        if self.revoked or request.headers.get("Authorization") != f"Bearer {self.token}":
            expired = {"id": "api.context.session_expired.app_error", "status_code": 401,
                       "message": "Invalid or expired session"}  # fmt: skip
            return _json(expired, 401)
        not_found = _json({"id": "app.channel.get.existing.app_error", "status_code": 404}, 404)
        if path == "/users/me":
            return _json({"id": "usbot", "username": "postmortems-bot"})
        if match := re.fullmatch(r"/users/me/teams/([^/]+)/channels", path):
            return _json([c for c in self.channels.values() if c["team_id"] == match[1]])
        if match := re.fullmatch(r"/teams/([^/]+)", path):
            return _json(self.team) if match[1] == self.team["id"] else not_found
        if match := re.fullmatch(r"/channels/([^/]+)", path):
            return _json(self.channels[match[1]]) if match[1] in self.channels else not_found
        if match := re.fullmatch(r"/channels/([^/]+)/posts", path):
            if match[1] not in self.channels:
                return not_found
            return self._posts(match[1], request)
        if match := re.fullmatch(r"/channels/([^/]+)/members", path):
            if match[1] not in self.channels:
                return not_found
            return _json([{"channel_id": match[1], "user_id": u} for u in self.members[match[1]]])
        if match := re.fullmatch(r"/posts/([^/]+)/reactions", path):
            post = self.posts.get(match[1])
            return _json((post or {}).get("metadata", {}).get("reactions", []))
        if match := re.fullmatch(r"/users/email/(.+)", path):
            for user in self.users.values():
                if user["email"] and user["email"].lower() == match[1].lower():
                    return _json(user)
            return _json({"id": "app.user.missing_account.const", "status_code": 404}, 404)
        if match := re.fullmatch(r"/users/([^/]+)", path):
            user = self.users.get(match[1])
            return _json(user) if user else _json({"status_code": 404}, 404)
        if path == "/posts" and request.method == "POST":
            body = request.get_json()
            if body.get("channel_id") not in self.channels:
                return not_found
            self.posted.append(body)
            return _json({"id": self._id("po"), **body}, 201)
        return _json({"status_code": 404}, 404)

    def _posts(self, channel_id: str, request: Request) -> Response:
        page = int(request.args.get("page", 0))
        per_page = min(int(request.args.get("per_page", 60)), 200)
        posts = sorted((p for p in self.posts.values() if p["channel_id"] == channel_id),
                       key=lambda p: p["create_at"], reverse=True)  # fmt: skip
        chunk = posts[page * per_page : (page + 1) * per_page]
        return _json({"order": [p["id"] for p in chunk], "posts": {p["id"]: p for p in chunk},
                      "next_post_id": "", "prev_post_id": ""})  # fmt: skip
