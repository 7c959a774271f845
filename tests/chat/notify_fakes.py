"""The fakes of tests/chat/fakes.py, with the direct messages chat notifications open.

Slack: conversations.open (users=U…) answers a D… channel, which chat.postMessage then
takes. Mattermost: POST channels/direct with [bot id, user id] answers a D channel.
"""

from werkzeug import Request, Response

from tests.chat.fakes import FakeMattermost, FakeSlack, _json


class DmSlack(FakeSlack):
    def m_conversations_open(self, params: dict) -> Response:
        user_id = params.get("users", "")
        if user_id not in self.users:
            return self._error("user_not_found")
        channel_id = f"D{user_id}"
        self.channels.setdefault(channel_id, {"id": channel_id, "is_im": True, "user": user_id})
        self.messages.setdefault(channel_id, [])
        return self._ok(channel={"id": channel_id})

    def posted_to(self, channel_id: str) -> list[str]:
        return [p["text"] for p in self.posted if p["channel"] == channel_id]


class DmMattermost(FakeMattermost):
    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix("/mm/api/v4")
        authorized = request.headers.get("Authorization") == f"Bearer {self.token}"
        if path != "/channels/direct" or self.rate_limited or self.revoked or not authorized:
            return super().handle(request)
        self.calls.append(f"{request.method} {path}")
        ids = request.get_json()
        channel_id = "dm" + "".join(sorted(ids))[:24]
        self.channels.setdefault(
            channel_id, {"id": channel_id, "type": "D", "team_id": "", "delete_at": 0}
        )
        return _json({"id": channel_id, "type": "D"}, 201)

    def posted_to(self, channel_id: str) -> list[str]:
        return [p["message"] for p in self.posted if p["channel_id"] == channel_id]
