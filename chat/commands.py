"""What /postmortem does: open an incident, add a note or an action item, give the link.

The endpoint (chat.inbound) answers at once; a worker runs `run(command)` and the answer
is posted to the command's response_url. Every answer about a private incident is
ephemeral and goes only to someone who may see it; to anyone else the channel has no
incident, as a private incident's pages are 404 to them.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chat.clients import client_for
from chat.errors import ChatError
from chat.models import ChatCommand, ChatConnection, ChatUserLink, IncidentChannel
from incidents import services as incident_services
from incidents.models import Incident, TimelineEvent, User
from incidents.permissions import can_edit_incident, can_view_incident

VERBS = ("open", "note", "action", "link", "help")
HELP = (
    "*/postmortem* commands:\n"
    "• `/postmortem open <title>`: open an incident for this channel\n"
    "• `/postmortem note <text>`: add a note to the channel's incident's timeline, at now\n"
    "• `/postmortem action <text> @owner [due YYYY-MM-DD]`: add an action item\n"
    "• `/postmortem link`: the incident's link\n"
    "• `/postmortem help`: this"
)
SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
PLAIN_MENTION = re.compile(r"(?<![\w<])@([\w.\-]+)")
DUE = re.compile(r"\bdue\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)


@dataclass
class Answer:
    text: str
    public: bool = False  # in the channel; never for a private incident


def split(text: str) -> tuple[str, str]:
    """Return the verb ('' when none) and the rest of a command's text."""
    verb, _, rest = text.strip().partition(" ")
    return verb.lower(), rest.strip()


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def chat_link(connection: ChatConnection, incident: Incident) -> str:
    """Return a link to the incident in the chat's own markup (Slack's mrkdwn, Markdown)."""
    url = absolute(incident.get_absolute_url())
    label = f"{incident.reference} {incident.title}".replace("|", "/").replace(">", "›")
    if connection.kind == ChatConnection.Kind.MATTERMOST:
        return f"[{label.replace(']', ')')}]({url})"
    return f"<{url}|{label}>"


def linked_user(connection: ChatConnection, chat_user_id: str) -> User | None:
    """Return our user for a chat user: the kept link, else found by e-mail and kept."""
    link = (
        ChatUserLink.objects.filter(connection=connection, chat_user_id=chat_user_id)
        .select_related("user")
        .first()
    )
    if link is not None:
        return link.user if link.user.is_active else None
    chat_user = client_for(connection).user(chat_user_id)
    if not chat_user.email:
        return None
    users = list(User.objects.filter(email__iexact=chat_user.email, is_active=True)[:2])
    if len(users) != 1:
        return None  # nobody, or two accounts with one address: ask nobody to guess
    try:
        with transaction.atomic():
            ChatUserLink.objects.create(
                connection=connection, user=users[0], chat_user_id=chat_user_id,
                chat_username=chat_user.name,
            )  # fmt: skip
    except IntegrityError:
        pass  # linked a moment ago by another command, or to another chat account
    return users[0]


def channel_incident(connection: ChatConnection, channel_id: str) -> Incident | None:
    link = (
        IncidentChannel.objects.filter(connection=connection, channel_id=channel_id)
        .select_related("incident")
        .first()
    )
    return link.incident if link else None


def run(command: ChatCommand) -> Answer:
    """Do what the command says, as the chat user's account here; return the answer."""
    connection = command.connection
    verb, rest = split(command.text)
    if verb not in VERBS or verb == "help":
        return Answer(HELP)
    user = linked_user(connection, command.chat_user_id)
    if user is None:
        return Answer(
            "I don't know who you are in postmortems: your chat account's e-mail must be the "
            "e-mail of your postmortems account."
        )
    if verb == "open":
        return _open(command, user, rest)
    incident = channel_incident(connection, command.channel_id)
    if incident is None or not can_view_incident(user, incident):
        return Answer(
            "No incident is linked to this channel. `/postmortem open <title>` opens one, or "
            "import this channel from an incident's page."
        )
    reference = f"<{absolute(incident.get_absolute_url())}|{incident.reference} {incident.title}>"
    if connection.kind == ChatConnection.Kind.MATTERMOST:
        reference = (
            f"[{incident.reference} {incident.title}]({absolute(incident.get_absolute_url())})"
        )
    if verb == "link":
        return Answer(reference, public=not incident.is_private)
    if not can_edit_incident(user, incident):
        return Answer(f"Only people who may edit {incident.reference} can change it from chat.")
    if not rest:
        return Answer(f"Say what to add: `/postmortem {verb} <text>`.")
    if verb == "note":
        return _note(command, user, incident, rest, reference)
    return _action(command, user, incident, rest, reference)


def _open(command: ChatCommand, user: User, title: str) -> Answer:
    if not title:
        return Answer("Give the incident a title: `/postmortem open <title>`.")
    connection = command.connection
    with transaction.atomic():
        incident = incident_services.incident_create(
            actor=user,
            data={
                "title": title[:200],
                "started_at": command.received_at,
                "commander": user,
                "team": connection.team,
            },
        )
        IncidentChannel.objects.get_or_create(
            incident=incident, connection=connection, channel_id=command.channel_id,
            defaults={"channel_name": command.channel_name, "linked_by": user},
        )  # fmt: skip
    link = chat_link(connection, incident)
    return Answer(f"Opened {link}; this channel is its channel.", public=True)


def _note(command: ChatCommand, user: User, incident: Incident, text: str, ref: str) -> Answer:
    try:
        incident_services.timeline_event_create(
            incident=incident, actor=user,
            data={"occurred_at": command.received_at, "description": text,
                  "kind": TimelineEvent.Kind.OTHER},
        )  # fmt: skip
    except ValidationError as error:
        return Answer(f"Not added: {' '.join(error.messages)}")
    return Answer(f"Added to the timeline of {ref}: {text}")


def _owner(connection: ChatConnection, text: str) -> tuple[User | None, str, str]:
    """Return the owner named in the text, how they were named, and the text without them."""
    if match := SLACK_MENTION.search(text):
        return linked_user(connection, match[1]), match[0], SLACK_MENTION.sub("", text, count=1)
    if match := PLAIN_MENTION.search(text):
        name = match[1]
        user = User.objects.filter(username__iexact=name, is_active=True).first()
        if user is None:
            link = ChatUserLink.objects.filter(
                connection=connection, chat_username__iexact=name
            ).select_related("user").first()  # fmt: skip
            user = link.user if link else None
        return user, match[0], PLAIN_MENTION.sub("", text, count=1)
    return None, "", text


def _action(command: ChatCommand, user: User, incident: Incident, text: str, ref: str) -> Answer:
    due = None
    if match := DUE.search(text):
        try:
            due = date.fromisoformat(match[1])
        except ValueError:
            return Answer(f"{match[1]} is not a date; give it as YYYY-MM-DD.")
        text = DUE.sub("", text, count=1)
    owner, named, text = _owner(command.connection, text)
    if not named:
        return Answer("Name the owner: `/postmortem action <text> @owner [due YYYY-MM-DD]`.")
    if owner is None:
        return Answer(f"I don't know who {named} is in postmortems; they can sign in once, "
                      "with the e-mail of their chat account.")  # fmt: skip
    if not can_view_incident(owner, incident):
        return Answer(f"{named} may not see {incident.reference}; add them to it first.")
    title = " ".join(text.split())[:200]
    if not title:
        return Answer("Say what is to be done: `/postmortem action <text> @owner`.")
    try:
        item = incident_services.action_item_create(
            incident=incident, actor=user, data={"title": title, "owner": owner, "due_date": due}
        )
    except ValidationError as error:
        return Answer(f"Not added: {' '.join(error.messages)}")
    due_text = f", due {item.due_date:%Y-%m-%d}" if item.due_date else ""
    return Answer(f"Added to {ref}: {item.title} (owner {owner}{due_text})")


def perform(command: ChatCommand) -> Answer:
    """Run the command, turning a chat service's failure into an answer."""
    try:
        return run(command)
    except ChatError as error:
        return Answer(f"Could not ask {command.connection.get_kind_display()}: {error}")
