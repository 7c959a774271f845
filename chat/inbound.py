"""Slash commands taken in: verified, recorded, answered within Slack's three seconds.

Slack signs each request (v0: HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's
signing secret; a timestamp more than five minutes away is refused, against replays):
slack_sdk's SignatureVerifier checks it, in constant time. Mattermost sends the command's
own token in the body, compared in constant time. The work is left to a worker
(chat.tasks.run_command), which posts the answer to the command's response_url.
"""

import hmac
import secrets

from django.db import transaction
from django.http import QueryDict
from slack_sdk.signature import SignatureVerifier

from chat.commands import HELP, VERBS, split
from chat.models import ChatCommand, ChatConnection
from core.crypto import SecretUnreadable


def slack_connection(team_id: str, body: bytes, headers) -> ChatConnection | None:
    """Return the Slack connection that signed this request, or None when none did."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    # What slack_sdk would choke on is no signature of Slack's: a timestamp in other digits
    # ("²") or past a float, a signature compare_digest refuses (non-ASCII), a body not UTF-8.
    if not team_id or not signature.isascii() or not _epoch_seconds(timestamp):
        return None
    try:
        body.decode()
    except UnicodeDecodeError:
        return None
    connection = ChatConnection.objects.filter(
        kind=ChatConnection.Kind.SLACK, workspace_id=team_id
    ).first()
    if connection is None:
        return None
    try:
        secret = connection.signing_secret
    except SecretUnreadable:
        return None
    if not secret or not SignatureVerifier(secret).is_valid(body, timestamp, signature):
        return None
    return connection


def _epoch_seconds(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def mattermost_connection(team_id: str, token: str) -> ChatConnection | None:
    """Return the Mattermost connection whose slash command token this is, or None."""
    if not team_id or not token:
        return None
    connection = ChatConnection.objects.filter(
        kind=ChatConnection.Kind.MATTERMOST, workspace_id=team_id
    ).first()
    if connection is None:
        return None
    try:
        expected = connection.command_token
    except SecretUnreadable:
        return None
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        return None
    return connection


# What Slack and Mattermost send with every command; a worker cannot do one without them.
COMMAND_FIELDS = ("user_id", "channel_id", "response_url")


def missing_fields(form: QueryDict) -> list[str]:
    """Return the fields a command to be done lacks (help is answered from its text alone)."""
    verb, _rest = split(form.get("text", ""))
    if verb not in VERBS or verb == "help":
        return []
    return [name for name in COMMAND_FIELDS if not form.get(name)]


def take(connection: ChatConnection, form: QueryDict) -> dict:
    """Record the command and leave it to a worker; return the immediate answer."""
    text = form.get("text", "")
    verb, _rest = split(text)
    if verb not in VERBS or verb == "help":
        unknown = f"I don't know `{verb}`.\n" if verb and verb != "help" else ""
        return {"response_type": "ephemeral", "text": unknown + HELP}
    command_id = form.get("trigger_id") or secrets.token_hex(16)
    command, made = ChatCommand.objects.get_or_create(
        connection=connection, command_id=command_id[:200],
        defaults={
            "chat_user_id": form.get("user_id", "")[:64],
            "channel_id": form.get("channel_id", "")[:64],
            "channel_name": form.get("channel_name", "")[:100],
            "text": text,
            "response_url": form.get("response_url", "")[:1000],
        },
    )  # fmt: skip
    if made:
        from chat import tasks

        transaction.on_commit(lambda: tasks.run_command.delay(command_id=command.pk), robust=True)
    return {"response_type": "ephemeral", "text": "Working on it…"}
