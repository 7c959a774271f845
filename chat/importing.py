"""Chat messages into an incident's timeline: which to offer, which are ticked, saving them."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from chat.clients import ChatClient, ChatMessage
from chat.models import ChatConnection, IncidentChannel
from incidents import services as incident_services
from incidents.models import Incident, TimelineEvent, User

MARGIN = timedelta(hours=1)
SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def default_range(incident: Incident) -> tuple[datetime, datetime]:
    """Return an hour before the incident started to an hour after it resolved (or now)."""
    end = incident.resolved_at or timezone.now()
    return incident.started_at - MARGIN, end + MARGIN


def connections_for(incident: Incident, user: User) -> models.QuerySet:
    """Return the connections to import from: the incident's team's and the user's teams'."""
    connections = ChatConnection.objects.select_related("team")
    if user.is_superuser:
        return connections
    mine = models.Q(team__members=user) | models.Q(team__manager=user)
    if incident.team_id:
        mine |= models.Q(team_id=incident.team_id)
    return connections.filter(pk__in=ChatConnection.objects.filter(mine).values("pk"))


def readable_text(text: str, client: ChatClient, kind: str) -> str:
    """Return Slack's mrkdwn with its <@U…>, <#C…|name> and <url|label> as people read them."""
    if kind != ChatConnection.Kind.SLACK:
        return text

    def replace(match: re.Match) -> str:
        target, label = match[1], match[2]
        if target.startswith("@"):
            if label:
                return f"@{label}"
            try:
                return f"@{client.user(target[1:]).name}"
            except Exception:  # a deleted user: keep the id rather than fail the page
                return target
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        return f"[{label}]({target})" if label else target

    text = SLACK_LINK.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass
class Offered:
    """A message as the import page offers it."""

    message: ChatMessage
    text: str  # what the entry would say: "Ana: DB failover started"
    ticked: bool
    imported: bool  # already in this incident's timeline

    @property
    def key(self) -> str:
        return self.message.id


def offer(
    *, incident: Incident, connection: ChatConnection, client: ChatClient, channel_id: str,
    since: datetime, until: datetime,
) -> list[Offered]:  # fmt: skip
    """Return the channel's messages in the range, ticked when pinned or marked, in order."""
    messages = client.messages(channel_id, since=since, until=until)
    imported = set(
        incident.timeline_events.filter(source_url__in=[m.permalink for m in messages]).values_list(
            "source_url", flat=True
        )
    )
    reaction = connection.pin_reaction.strip(":")
    return [
        Offered(
            message=m,
            text=f"{m.author}: {readable_text(m.text, client, connection.kind)}",
            ticked=(m.pinned or reaction in m.reactions) and m.permalink not in imported,
            imported=m.permalink in imported,
        )
        for m in messages
    ]


@dataclass
class Chosen:
    message: ChatMessage
    text: str
    kind: str = TimelineEvent.Kind.OTHER


@transaction.atomic
def import_messages(
    *, incident: Incident, actor: User, connection: ChatConnection, channel_id: str,
    channel_name: str, chosen: list[Chosen],
) -> tuple[list[TimelineEvent], int]:  # fmt: skip
    """Add each chosen message to the timeline at its time, with its permalink.

    A message already in the timeline (by permalink) is skipped, so importing twice adds
    nothing twice; return the entries made and how many were skipped. The channel becomes
    the incident's (for /postmortem commands there).
    """
    IncidentChannel.objects.get_or_create(
        incident=incident, connection=connection, channel_id=channel_id,
        defaults={"channel_name": channel_name, "linked_by": actor},
    )  # fmt: skip
    existing = set(
        incident.timeline_events.filter(
            source_url__in=[c.message.permalink for c in chosen]
        ).values_list("source_url", flat=True)
    )
    made, skipped = [], 0
    for choice in chosen:
        if choice.message.permalink in existing:
            skipped += 1
            continue
        existing.add(choice.message.permalink)
        data = {
            "occurred_at": choice.message.posted_at,
            "description": choice.text,
            "kind": choice.kind,
            "source_url": choice.message.permalink,
        }
        try:
            made.append(
                incident_services.timeline_event_create(incident=incident, actor=actor, data=data)
            )
        except IntegrityError:
            # Someone imported the same message in the same moment (timeline_source_once);
            # the service's own savepoint rolled back, the rest of this import goes on.
            skipped += 1
    return made, skipped
