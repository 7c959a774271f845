"""Mattermost's REST API v4 over plain HTTP, as the chat app uses it.

No kept Python driver exists (mattermostdriver's last release was years ago), and the app
needs a handful of GET calls, so requests it is, through core.outgoing: the server URL is
the user's, so its host is resolved once and refused on a private, loopback or link-local
address unless CHAT_ALLOW_PRIVATE_ADDRESSES, and the connection goes to the address that
was checked. The bot's personal access token goes in the Authorization header.

Calls: GET users/me, users/me/teams/{team}/channels, channels/{id}, channels/{id}/posts
(page by page, newest first, until older than the range), posts/{id}/reactions (when a post
says it has reactions but its metadata does not list them), users/{id}, users/email/{email},
channels/{id}/members, teams/{id}; POST posts, channels/direct.
"""

from datetime import datetime
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

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
from core import outgoing

PAGE_SIZE = 200
REFUSAL = "set CHAT_ALLOW_PRIVATE_ADDRESSES to reach a Mattermost inside your network."


class MattermostClient:
    """One Mattermost server and team, as the bot's token sees them."""

    def __init__(self, connection: ChatConnection) -> None:
        self.connection = connection
        self.base = connection.server_url.rstrip("/") + "/api/v4"
        self.token = connection.bot_token
        self._users: dict[str, ChatUser] = {}
        self._team_names: dict[str, str] = {}

    def _address(self) -> str:
        try:
            _parts, addresses = outgoing.resolve(
                self.base, allow_private=settings.CHAT_ALLOW_PRIVATE_ADDRESSES, refusal=REFUSAL
            )
        except outgoing.RefusedURL as error:
            raise ChatError(str(error)) from None
        except OSError:
            host = urlsplit(self.base).hostname
            raise ChatError(f"{host} does not resolve; check the server URL.") from None
        return addresses[0]

    def _call(self, method: str, path: str, **kwargs):
        address = self._address()
        attempt = 0
        while True:
            try:
                response = outgoing.pinned_request(
                    method,
                    f"{self.base}{path}",
                    address=address,
                    headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                    timeout=settings.CHAT_TIMEOUT_SECONDS,
                    **kwargs,
                )
            except requests.RequestException:
                raise ChatError(
                    "Mattermost could not be reached; try again.", transient=True
                ) from None
            if response.status_code == 429:
                error = _error(response)
                wait_or_give_up(error, attempt)
                attempt += 1
                continue
            if response.status_code >= 400:
                raise _error(response)
            try:
                return response.json()
            except ValueError:
                raise ChatError(
                    "Mattermost answered something that is not JSON.", transient=True
                ) from None

    def check(self) -> str:
        me = self._call("GET", "/users/me")
        return me.get("username", "")

    def channels(self) -> list[Channel]:
        team = quote(self.connection.workspace_id, safe="")
        if not team:
            raise ChatError("Give the Mattermost team ID on the connection to list its channels.")
        found = self._call("GET", f"/users/me/teams/{team}/channels")
        return sorted(
            (_channel(c) for c in found if c.get("type") in ("O", "P") and not c.get("delete_at")),
            key=lambda c: c.name,
        )

    def channel(self, channel_id: str) -> Channel:
        return _channel(self._call("GET", f"/channels/{quote(channel_id, safe='')}"))

    def _team_name(self, channel_id: str) -> str:
        data = self._call("GET", f"/channels/{quote(channel_id, safe='')}")
        team_id = data.get("team_id", "")
        if team_id not in self._team_names:
            self._team_names[team_id] = self._call("GET", f"/teams/{quote(team_id, safe='')}")[
                "name"
            ]
        return self._team_names[team_id]

    def messages(self, channel_id: str, *, since: datetime, until: datetime) -> list[ChatMessage]:
        """Return the channel's posts, replies included, between the two times.

        Pages come newest first; reading stops at the first page that reaches past `since`.
        """
        since_ms, until_ms = int(since.timestamp() * 1000), int(until.timestamp() * 1000)
        team_name = self._team_name(channel_id)
        path = f"/channels/{quote(channel_id, safe='')}/posts"
        posts: list[dict] = []
        page = 0
        while True:
            data = self._call("GET", path, params={"page": page, "per_page": PAGE_SIZE})
            order = data.get("order") or []
            batch = [
                data["posts"][post_id] for post_id in order if post_id in (data.get("posts") or {})
            ]
            posts.extend(p for p in batch if since_ms <= p.get("create_at", 0) <= until_ms)
            if len(order) < PAGE_SIZE or any(p.get("create_at", 0) < since_ms for p in batch):
                break
            page += 1
        messages = [
            self._message(channel_id, post, team_name)
            for post in posts
            if not post.get("type") and not post.get("delete_at")
        ]
        return ordered_with_threads(messages)

    def _message(self, channel_id: str, post: dict, team_name: str) -> ChatMessage:
        reactions = (post.get("metadata") or {}).get("reactions")
        if reactions is None and post.get("has_reactions"):
            reactions = self._call("GET", f"/posts/{quote(post['id'], safe='')}/reactions") or []
        server = self.connection.server_url.rstrip("/")
        return ChatMessage(
            id=post["id"],
            channel_id=channel_id,
            user_id=post.get("user_id", ""),
            author=self.user(post["user_id"]).name if post.get("user_id") else "bot",
            text=post.get("message", ""),
            posted_at=from_timestamp(post["create_at"] / 1000),
            permalink=f"{server}/{team_name}/pl/{post['id']}",
            thread_id=post.get("root_id", ""),
            pinned=bool(post.get("is_pinned")),
            reactions=sorted({r["emoji_name"] for r in reactions or [] if r.get("emoji_name")}),
        )

    def user(self, user_id: str) -> ChatUser:
        if user_id not in self._users:
            self._users[user_id] = _user(self._call("GET", f"/users/{quote(user_id, safe='')}"))
        return self._users[user_id]

    def user_by_email(self, email: str) -> ChatUser | None:
        try:
            return _user(self._call("GET", f"/users/email/{quote(email, safe='')}"))
        except ChatError as error:
            if error.status == 404:
                return None
            raise

    def channel_member_ids(self, channel_id: str) -> set[str]:
        ids: set[str] = set()
        page = 0
        while True:
            batch = self._call(
                "GET",
                f"/channels/{quote(channel_id, safe='')}/members",
                params={"page": page, "per_page": PAGE_SIZE},
            )
            ids.update(member["user_id"] for member in batch)
            if len(batch) < PAGE_SIZE:
                return ids
            page += 1

    def post_message(self, channel_id: str, text: str, *, thread_id: str = "") -> str:
        body = {"channel_id": channel_id, "message": text}
        if thread_id:
            body["root_id"] = thread_id
        return self._call("POST", "/posts", json=body)["id"]

    def direct_channel(self, user_id: str) -> str:
        """Return the id of the bot's direct channel with the user (POST channels/direct)."""
        bot_id = self._call("GET", "/users/me")["id"]
        return self._call("POST", "/channels/direct", json=[bot_id, user_id])["id"]


def _channel(data: dict) -> Channel:
    return Channel(
        data["id"],
        data.get("name") or data.get("display_name") or data["id"],
        data.get("type") == "P",
    )


def _user(data: dict) -> ChatUser:
    full = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
    return ChatUser(
        data["id"],
        data.get("nickname") or full or data.get("username") or data["id"],
        data.get("email", ""),
    )


def _error(response: requests.Response) -> ChatError:
    status = response.status_code
    try:
        said = response.json()
    except ValueError:
        said = {}
    code = said.get("id", "") if isinstance(said, dict) else ""
    if status == 429:
        after = response.headers.get("Retry-After", "").strip()
        return ChatError(
            "Mattermost asks us to slow down; try again in a minute.",
            code="ratelimited",
            status=429,
            transient=True,
            retry_after=int(after) if after.isdigit() else None,
        )
    if status == 401:
        message = "Mattermost does not accept the bot token (revoked or wrong); enter it again."
    elif status == 403:
        message = "The Mattermost bot may not do that; add it to the channel or the team."
    elif status == 404:
        message = "Mattermost finds no such channel or user, or the bot may not see it."
    else:
        message = f"Mattermost answered {status}."
    return ChatError(message, code=code, status=status, transient=status >= 500)
