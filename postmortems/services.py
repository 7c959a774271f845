"""Writes on the postmortem document: import and layout choice."""

from django.db import transaction
from django.db.models import Q

from incidents.models import ActionItem, Cause, Incident, TimelineEvent, User
from incidents.services import record_change
from postmortems.importer import ParsedPostmortem
from postmortems.models import Postmortem
from postmortems.render import LAYOUTS


def _users_by_name(names: set[str]) -> dict[str, User]:
    """Match owner names from a document to users by username, email or full name."""
    if not names:
        return {}
    lookup = Q()
    for name in names:
        first, _, last = name.partition(" ")
        lookup |= Q(username__iexact=name) | Q(email__iexact=name)
        if last:
            lookup |= Q(first_name__iexact=first, last_name__iexact=last)
    found: dict[str, User] = {}
    for user in User.objects.filter(lookup):
        for name in names:
            if name.lower() in {
                user.username.lower(),
                user.email.lower(),
                user.get_full_name().lower(),
            }:
                found[name] = user
    return found


@transaction.atomic
def postmortem_import(*, parsed: ParsedPostmortem, actor: User | None) -> Incident:
    """Save a parsed postmortem as an incident with its timeline, causes and action items."""
    events = parsed.events

    def first(kind: str):
        return next((e.occurred_at for e in events if e.kind == kind), None)

    incident = Incident(
        title=parsed.title,
        severity=parsed.severity,
        status=Incident.Status.RESOLVED if parsed.resolved_at else Incident.Status.INVESTIGATING,
        started_at=parsed.started_at,
        detected_at=first(TimelineEvent.Kind.DETECTION),
        mitigated_at=first(TimelineEvent.Kind.MITIGATION),
        resolved_at=parsed.resolved_at,
        time_zone=parsed.time_zone,
        summary=parsed.summary,
        impact=parsed.impact,
        users_affected=parsed.users_affected[:200],
        created_by=actor,
    )
    # Times written in a document are facts, even slightly out of order; keep them all.
    for name in ("detected_at", "mitigated_at"):
        moment = getattr(incident, name)
        if moment and (
            moment < incident.started_at or (incident.resolved_at and moment > incident.resolved_at)
        ):
            setattr(incident, name, None)
    incident.full_clean(exclude=["commander", "team", "created_by"])
    incident.save()
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                incident=incident,
                occurred_at=event.occurred_at,
                kind=event.kind,
                description=event.description,
                is_dead_end=event.is_dead_end,
                author=actor,
                position=position,
            )
            for position, event in enumerate(events)
        ]
    )
    Cause.objects.bulk_create(
        [
            Cause(
                incident=incident,
                role=cause.role,
                category=cause.category,
                description=cause.description,
                resolution=cause.resolution,
                position=position,
            )
            for position, cause in enumerate(parsed.causes)
        ]
    )
    owners = _users_by_name({item.owner for item in parsed.action_items if item.owner})
    items = []
    for position, parsed_item in enumerate(parsed.action_items):
        owner = owners.get(parsed_item.owner)
        description = parsed_item.description
        if parsed_item.owner and owner is None:
            # Keep the name the document gave, so nothing is lost when no user matches.
            named = f"Owner named in the imported document: {parsed_item.owner}"
            description = f"{description}\n\n{named}".strip()
        item = ActionItem(
            incident=incident,
            title=parsed_item.title,
            description=description,
            kind=parsed_item.kind,
            owner=owner,
            due_date=parsed_item.due_date,
            position=position,
        )
        item.set_status(parsed_item.status)
        items.append(item)
    ActionItem.objects.bulk_create(items)
    postmortem = Postmortem.objects.create(
        incident=incident,
        resolution=parsed.resolution,
        trigger=parsed.trigger,
        detection=parsed.detection,
        went_well=parsed.went_well,
        went_wrong=parsed.went_wrong,
        got_lucky=parsed.got_lucky,
        closing_remarks=parsed.closing_remarks,
        unplaced_text=parsed.unplaced_text,
    )
    if actor is not None:
        postmortem.authors.add(actor)
    record_change(
        incident=incident,
        actor=actor,
        action="created",
        target=incident,
        note="Imported from a Markdown postmortem.",
    )
    return incident


def postmortem_set_layout(*, incident: Incident, layout: str, actor: User) -> Postmortem:
    """Render the incident's postmortem in another registered layout from now on."""
    if layout not in LAYOUTS:
        raise ValueError(f"{layout!r} is not a layout; choose one of {', '.join(LAYOUTS)}.")
    postmortem, _ = Postmortem.objects.get_or_create(incident=incident)
    if postmortem.layout != layout:
        old = postmortem.layout
        postmortem.layout = layout
        postmortem.save(update_fields=["layout", "updated_at"])
        record_change(
            incident=incident,
            actor=actor,
            action="updated",
            target=postmortem,
            changes={"layout": [old, layout]},
        )
    return postmortem
