"""The notifications consumer: turn recorded events into notifications (core.events).

One consumer for every kind, so one event tells each person one thing (a mention in a
reply is a mention, not also a reply and a comment). A batch is handled in a fixed number
of queries: the postmortems and their people, the follows, the teams, the items, then
services.notify. Nothing is sent here; the e-mail rows are nudged after commit.
"""

from collections import defaultdict

from django.urls import reverse

from core import events
from core.models import ChangeRecord
from incidents.models import ActionItem, Team
from incidents.selectors import incident_for_document
from notifications import services, tasks
from notifications.models import ASSIGNED, Follow, Kind
from notifications.services import Intent
from postmortems.collaboration.anchors import render_document_html, split_sections
from postmortems.collaboration.mentions import new_mentions
from postmortems.models import Postmortem
from postmortems.render import build_document
from postmortems.services import INCIDENT_NARRATIVE_FIELDS

CONSUMER = "notifications"
EVENTS = [
    "postmortem.submitted",
    "postmortem.published",
    "postmortem.updated",
    "review.created",
    "comment.created",
    "comment.updated",
    "comment_thread.resolved",
    "action_item.created",
    "action_item.updated",
    "action_item.status_changed",
]


class _People:
    """Who is who on each incident of a batch, loaded in a fixed number of queries."""

    def __init__(self, records: list[ChangeRecord]):
        incident_ids = {r.incident_id for r in records}
        self.authors: dict[int, set[int]] = defaultdict(set)
        self.reviewers: dict[int, set[int]] = defaultdict(set)
        for pm in Postmortem.objects.filter(incident_id__in=incident_ids).prefetch_related(
            "authors", "reviewers"
        ):
            self.authors[pm.incident_id] = {u.pk for u in pm.authors.all()}
            self.reviewers[pm.incident_id] = {u.pk for u in pm.reviewers.all()}
        self.follows: dict[int, dict[int, bool]] = defaultdict(dict)
        for user_id, incident_id, following in Follow.objects.filter(
            incident_id__in=incident_ids
        ).values_list("user_id", "incident_id", "following"):
            self.follows[incident_id][user_id] = following
        team_ids = {r.incident.team_id for r in records if r.incident.team_id}
        self.team_people: dict[int, set[int]] = defaultdict(set)
        if any(r.event == "postmortem.published" for r in records) and team_ids:
            for team_id, member_id in Team.members.through.objects.filter(
                team_id__in=team_ids
            ).values_list("team_id", "user_id"):
                self.team_people[team_id].add(member_id)
            for team_id, manager_id in Team.objects.filter(
                pk__in=team_ids, manager__isnull=False
            ).values_list("pk", "manager_id"):
                self.team_people[team_id].add(manager_id)

    def followers(self, record: ChangeRecord) -> set[int]:
        incident_id = record.incident_id
        return services.followers(
            incident=record.incident,
            authors=self.authors[incident_id],
            reviewers=self.reviewers[incident_id],
            follows=self.follows[incident_id],
        )


def _who(record: ChangeRecord) -> str:
    return str(record.actor) if record.actor else "Someone"


def _place(record: ChangeRecord) -> str:
    return f"{record.incident.reference} {record.incident.title}"


def _review_url(record: ChangeRecord, anchor: str = "") -> str:
    return reverse("postmortems:review", args=[record.incident_id]) + anchor


def _section(record: ChangeRecord) -> str:
    return str(record.values.get("section", "")).replace("-", " ")


def _comment_intents(record: ChangeRecord, people: _People) -> list[Intent]:
    url = _review_url(record, f"#comment-{record.target_id}")
    excerpt = record.note
    where = f"the {_section(record)} section of {_place(record)}"
    intents = [
        Intent(u, Kind.MENTION, record, f"{_who(record)} mentioned you on {where}", url, excerpt)
        for u in record.values.get("mentions", [])
    ]
    if record.event == "comment.updated":
        return intents
    intents += [
        Intent(
            u, Kind.REPLY, record, f"{_who(record)} replied in your thread on {where}", url, excerpt
        )
        for u in record.values.get("participants", [])
    ]
    intents += [
        Intent(u, Kind.COMMENT, record, f"{_who(record)} commented on {where}", url, excerpt)
        for u in people.followers(record)
    ]
    return intents


def _resolved_intents(record: ChangeRecord) -> list[Intent]:
    """Tell the thread's author and repliers (not who resolved it) that it was resolved."""
    url = _review_url(record, f"#thread-{record.target_id}")
    text = (
        f"{_who(record)} resolved a thread you took part in on the {_section(record)} "
        f"section of {_place(record)}"
    )
    return [
        Intent(u, Kind.THREAD_RESOLVED, record, text, url)
        for u in record.values.get("participants", [])
    ]


def _section_mentioning(record: ChangeRecord, username: str) -> str:
    """Return the review page's anchor of the section that shows the mention."""
    incident = incident_for_document(None).get(pk=record.incident_id)
    for section in split_sections(render_document_html(build_document(incident))):
        if f"@{username}" in section.html:
            return f"#section-{section.key}"
    return "#document-title"


def _narrative_mentions(record: ChangeRecord) -> list[Intent]:
    intents = []
    for name in record.changes:
        # The incident's summary and impact, and each section ("Data exposure section").
        if name not in INCIDENT_NARRATIVE_FIELDS and not name.endswith(" section"):
            continue
        old, new = record.changes[name]
        label = name.replace("_", " ")
        for user in new_mentions(old, new, incident=record.incident):
            # Rare, so rendering the document to find the exact place is worth it.
            url = _review_url(record, _section_mentioning(record, user.username))
            intents.append(
                Intent(
                    user.pk,
                    Kind.MENTION,
                    record,
                    f"{_who(record)} mentioned you in the {label} of {_place(record)}",
                    url,
                    new,
                )
            )
    return intents


def _item_intents(records: list[ChangeRecord]) -> list[Intent]:
    """Tell an item's new owner (when it is created or reassigned), else its owner of a change."""
    owners = dict(
        ActionItem.objects.filter(pk__in={r.target_id for r in records}).values_list(
            "pk", "owner_id"
        )
    )
    intents = []
    for record in records:
        owner = owners.get(record.target_id)
        url = reverse("incidents:detail", args=[record.incident_id])
        url += f"#action-item-{record.target_id}"
        old_owner, new_owner = record.values.get("owner", [None, None])
        if "owner" in record.values and new_owner is not None and new_owner != old_owner:
            # Its e-mail is the assignment notice; the inbox says it too.
            text = f"{_who(record)} assigned you {record.object_repr} on {_place(record)}"
            intents.append(Intent(new_owner, ASSIGNED, record, text, url))
            continue
        if owner is None:
            continue
        what = ", ".join(name.replace("_", " ") for name in record.changes) or "it"
        text = f"{_who(record)} changed your action item {record.object_repr} ({what})"
        intents.append(Intent(owner, Kind.ACTION_ITEM, record, text, url))
    return intents


@events.subscribe(CONSUMER, EVENTS)
def notify_people(records: list[ChangeRecord]) -> None:
    """Tell the people each event concerns, and owe their e-mails."""
    people = _People(records)
    intents: list[Intent] = []
    took_part: set[tuple[int, int]] = set()
    items = []
    for record in records:
        incident_id = record.incident_id
        if record.event == "postmortem.submitted":
            intents += [
                Intent(
                    u,
                    Kind.REVIEW_REQUESTED,
                    record,
                    f"{_who(record)} asked you to review the postmortem of {_place(record)}",
                    _review_url(record),
                )
                for u in people.reviewers[incident_id]
            ]
        elif record.event == "review.created":
            decision = record.values.get("decision", [None, None])[1]
            verb = {"approve": "approved", "request_changes": "asked for changes to"}.get(decision)
            if verb:
                intents += [
                    Intent(
                        u,
                        Kind.REVIEW_DECISION,
                        record,
                        f"{_who(record)} {verb} the postmortem of {_place(record)}",
                        _review_url(record, "#reviews-title"),
                        record.note,
                    )
                    for u in people.authors[incident_id]
                ]
        elif record.event == "postmortem.published":
            team = people.team_people.get(record.incident.team_id, set())
            intents += [
                Intent(
                    u,
                    Kind.PUBLISHED,
                    record,
                    f"{_who(record)} published the postmortem of {_place(record)}",
                    reverse("postmortems:document", args=[incident_id]),
                )
                for u in people.followers(record) | team
            ]
        elif record.event == "postmortem.updated":
            intents += _narrative_mentions(record)
        elif record.event in ("comment.created", "comment.updated"):
            intents += _comment_intents(record, people)
            if record.actor_id:
                took_part.add((record.actor_id, incident_id))
        elif record.event == "comment_thread.resolved":
            intents += _resolved_intents(record)
        elif record.event.startswith("action_item."):
            items.append(record)
    if items:
        intents += _item_intents(items)
    if took_part:
        services.follow_on_taking_part(took_part)
    tasks.nudge_emails_after_commit(services.notify(intents))
