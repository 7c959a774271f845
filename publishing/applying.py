"""Take the incident's facts from a repository's copy of its postmortem, when its authors
accept a change merged there: the timeline, causes and action items, not only the text.

The timeline is the document's: events are matched to ours by time and text, changed, added
or removed to match it. Causes and action items carry more than the document shows (the
follow-through history, tracker links, reminders), so a row the repository's copy leaves out
is kept and named, never deleted on its word; a new one is added and a matched action item
takes the repository's owner, due date and status.
"""

from dataclasses import dataclass, field
from datetime import datetime

from importing.parsed import ParsedPostmortem
from incidents import services as incident_services
from incidents.imports import users_by_name
from incidents.models import ActionItem, Cause, Incident, TimelineEvent, User


@dataclass
class AppliedFacts:
    """What accepting a repository's copy changed in the incident, and what it left alone."""

    events_added: int = 0
    events_changed: int = 0
    events_removed: int = 0
    causes_added: int = 0
    items_added: int = 0
    items_changed: int = 0
    causes_kept: list[str] = field(default_factory=list)
    items_kept: list[str] = field(default_factory=list)
    owners_unknown: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence per kind of change, for the message after accepting."""
        parts = []
        timeline = [(self.events_added, "added"), (self.events_changed, "changed"),
                    (self.events_removed, "removed")]  # fmt: skip
        done = [f"{count} {what}" for count, what in timeline if count]
        if done:
            parts.append(f"Timeline: {', '.join(done)}.")
        if self.causes_added:
            parts.append(f"Causes: {self.causes_added} added.")
        items = [(self.items_added, "added"), (self.items_changed, "changed")]
        done = [f"{count} {what}" for count, what in items if count]
        if done:
            parts.append(f"Action items: {', '.join(done)}.")
        if self.causes_kept:
            parts.append(f"Kept, though the repository's copy leaves them out: causes "
                         f"{_quoted(self.causes_kept)}.")  # fmt: skip
        if self.items_kept:
            parts.append(f"Kept, though the repository's copy leaves them out: action items "
                         f"{_quoted(self.items_kept)}; remove them on the incident page if "
                         f"that was meant.")  # fmt: skip
        if self.owners_unknown:
            parts.append(f"No user here is named {_quoted(self.owners_unknown)}: "
                         f"those action items have no owner yet.")  # fmt: skip
        return " ".join(parts)


def _quoted(texts: list[str]) -> str:
    return ", ".join(f"“{text}”" for text in texts)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _second(moment: datetime) -> datetime:
    # The document gives times to the second: finer parts of ours are no difference.
    return moment.replace(microsecond=0)


def apply_repository_facts(
    *, incident: Incident, parsed: ParsedPostmortem, actor: User
) -> AppliedFacts:
    """Make the incident's timeline, causes and action items agree with the document."""
    applied = AppliedFacts()
    _apply_timeline(incident, parsed, actor, applied)
    _apply_causes(incident, parsed, actor, applied)
    _apply_action_items(incident, parsed, actor, applied)
    return applied


def _apply_timeline(incident, parsed, actor, applied: AppliedFacts) -> None:
    ours = list(TimelineEvent.objects.filter(incident=incident).order_by("occurred_at", "pk"))
    theirs = list(parsed.events)
    # First the events the document left as they were, then those at the same time whose
    # text or kind changed; what is left on our side was removed there, on theirs added.
    for same in (
        lambda o, t: (
            (_second(o.occurred_at), _key(o.description))
            == (_second(t.occurred_at), _key(t.description))
        ),
        lambda o, t: _second(o.occurred_at) == _second(t.occurred_at),
    ):
        for event in list(theirs):
            match = next((o for o in ours if same(o, event)), None)
            if match is None:
                continue
            ours.remove(match)
            theirs.remove(event)
            data = _event_text(event)
            changed = {k: v for k, v in data.items() if getattr(match, k) != v}
            if changed:
                incident_services.timeline_event_update(event=match, actor=actor, data=changed)
                applied.events_changed += 1
    for event in ours:
        incident_services.timeline_event_delete(event=event, actor=actor)
        applied.events_removed += 1
    for event in theirs:
        incident_services.timeline_event_create(
            incident=incident,
            actor=actor,
            data={"occurred_at": event.occurred_at, **_event_text(event)},
        )
        applied.events_added += 1


def _event_text(event) -> dict:
    """Return what a document says of a timeline event besides its time."""
    return {"description": event.description, "kind": event.kind, "is_dead_end": event.is_dead_end}


def _apply_causes(incident, parsed, actor, applied: AppliedFacts) -> None:
    ours = {_key(cause.description): cause for cause in Cause.objects.filter(incident=incident)}
    named = set()
    for cause in parsed.causes:
        key = _key(cause.description)
        named.add(key)
        if key in ours:
            continue
        incident_services.cause_create(
            incident=incident,
            actor=actor,
            data={
                "role": cause.role,
                "category": cause.category,
                "description": cause.description,
                "resolution": cause.resolution,
            },
        )
        applied.causes_added += 1
    applied.causes_kept = [c.description for key, c in ours.items() if key not in named]


def _apply_action_items(incident, parsed, actor, applied: AppliedFacts) -> None:
    ours = {
        _key(item.title): item
        for item in ActionItem.objects.filter(incident=incident).select_related("owner")
    }
    people = users_by_name({item.owner for item in parsed.action_items if item.owner}, {})
    named = set()
    for item in parsed.action_items:
        key = _key(item.title)
        named.add(key)
        owner = people.get(item.owner) if item.owner else None
        if item.owner and owner is None and item.owner not in applied.owners_unknown:
            applied.owners_unknown.append(item.owner)
        data = {"due_date": item.due_date, "status": item.status}
        if owner is not None or not item.owner:
            data["owner"] = owner
        match = ours.get(key)
        if match is None:
            incident_services.action_item_create(
                incident=incident,
                actor=actor,
                data={
                    **data,
                    "title": item.title,
                    "description": item.description,
                    "kind": item.kind,
                    "priority": item.priority,
                },
            )
            applied.items_added += 1
            continue
        changed = {k: v for k, v in data.items() if getattr(match, k) != v}
        if changed:
            incident_services.action_item_update(item=match, actor=actor, data=changed)
            applied.items_changed += 1
    applied.items_kept = [item.title for key, item in ours.items() if key not in named]
