"""Insert an incident that a document describes, with its timeline, causes and action items.

The postmortem importer reads the document; this writes what it read, one insert per table
whatever the number of rows. It takes plain values, so it knows no document format.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from incidents.models import ActionItem, Cause, Incident, Service, TimelineEvent, User
from incidents.tags import tags_named


@dataclass(frozen=True)
class ImportedEvent:
    occurred_at: datetime
    kind: str
    description: str
    is_dead_end: bool = False


@dataclass(frozen=True)
class ImportedCause:
    role: str
    category: str
    description: str
    resolution: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedActionItem:
    title: str
    description: str
    kind: str
    # The owner as the document names them: a username, an e-mail address or a full name.
    owner_name: str
    due_date: date | None
    status: str
    priority: str
    tracker_url: str
    # The causes it addresses, by their position in the causes imported with it.
    causes: tuple[int, ...] = ()


# Nested in the caller's transaction without a savepoint: a savepoint would cost two
# queries per document.
@transaction.atomic(savepoint=False)
def incident_import(
    *,
    actor: User | None,
    data: dict[str, Any],
    events: Sequence[ImportedEvent],
    causes: Sequence[ImportedCause],
    action_items: Sequence[ImportedActionItem],
    known_owners: dict[str, User | None] | None = None,
    commander_name: str = "",
    service_names: Sequence[str] = (),
    tag_names: Sequence[str] = (),
) -> Incident:
    """Insert an incident with the fields in `data`, its timeline, causes and action items.

    Owners are matched to users by username, e-mail or full name; a name no user has stays
    in the item's description. When importing several documents, pass each the same
    known_owners dict (empty at first), so that a name is looked up once in the run.

    Record nothing: the caller records the creation (`record_change(..., incident_is_new=True)`)
    once what it adds to the incident is in, so that the incident.created hooks find it.
    """
    known = {} if known_owners is None else known_owners
    names = {item.owner_name for item in action_items if item.owner_name}
    owners = users_by_name(names | ({commander_name} if commander_name else set()), known)
    incident = Incident(created_by=actor, commander=owners.get(commander_name), **data)
    # Times written in a document are facts, even slightly out of order; keep them all.
    for name in ("detected_at", "mitigated_at"):
        moment = getattr(incident, name)
        if moment and (
            moment < incident.started_at or (incident.resolved_at and moment > incident.resolved_at)
        ):
            setattr(incident, name, None)
    # Incident.clean() checks in Python what the one check constraint says (a resolved
    # incident has its resolution time), and the database enforces it on insert: validating
    # the constraint again would cost a query per document.
    incident.full_clean(exclude=["commander", "team", "created_by"], validate_constraints=False)
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
    saved_causes = Cause.objects.bulk_create(
        [
            Cause(
                incident=incident,
                role=cause.role,
                category=cause.category,
                description=cause.description,
                resolution=cause.resolution,
                position=position,
            )
            for position, cause in enumerate(causes)
        ]
    )
    _label(incident, saved_causes, causes, service_names, tag_names)
    items = []
    for position, imported in enumerate(action_items):
        owner = owners.get(imported.owner_name)
        description = imported.description
        if imported.owner_name and owner is None:
            # Keep the name the document gave, so nothing is lost when no user matches.
            named = f"Owner named in the imported document: {imported.owner_name}"
            description = f"{description}\n\n{named}".strip()
        item = ActionItem(
            incident=incident,
            title=imported.title,
            description=description,
            kind=imported.kind,
            owner=owner,
            due_date=imported.due_date,
            priority=imported.priority,
            tracker_url=imported.tracker_url,
            position=position,
        )
        item.set_status(imported.status)
        items.append(item)
    ActionItem.objects.bulk_create(items)
    _link_causes(items, action_items, saved_causes)
    return incident


def _label(
    incident: Incident,
    saved_causes: list[Cause],
    causes: Sequence[ImportedCause],
    service_names: Sequence[str],
    tag_names: Sequence[str],
) -> None:
    """Give the incident its services and tags and each cause its tags, by name.

    Services and tags the site does not have yet are made, as typing them in a form would
    make tags; a document that names none costs no query.
    """
    if service_names:
        incident.services.set(_services_named(service_names))
    cause_tags = [name for cause in causes for name in cause.tags]
    if not (tag_names or cause_tags):
        return
    tags = {tag.name.lower(): tag for tag in tags_named([*tag_names, *cause_tags])}
    if tag_names:
        incident.tags.set([tags[name.lower()] for name in tag_names])
    Cause.tags.through.objects.bulk_create(
        [
            Cause.tags.through(cause_id=saved.pk, tag_id=tags[name.lower()].pk)
            for saved, cause in zip(saved_causes, causes, strict=True)
            for name in dict.fromkeys(cause.tags)
        ],
        ignore_conflicts=True,
    )


def _services_named(names: Sequence[str]) -> list[Service]:
    """Return the services of these names (in any letter case), making the missing ones."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    existing = {
        service.name.lower(): service
        for service in Service.objects.annotate(key=Lower("name")).filter(
            key__in=[name.lower() for name in wanted]
        )
    }
    return [
        existing.get(name.lower()) or Service.objects.get_or_create(name=name)[0] for name in wanted
    ]


def users_by_name(names: set[str], known: dict[str, User | None]) -> dict[str, User]:
    """Match owner names from a document to users by username, email or full name.

    Names in known (matched or not, by an earlier document of the same run) are not looked
    up again; the others are added to it.
    """
    unknown = names - known.keys()
    if unknown:
        lookup = Q()
        for name in unknown:
            first, _, last = name.partition(" ")
            lookup |= Q(username__iexact=name) | Q(email__iexact=name)
            if last:
                lookup |= Q(first_name__iexact=first, last_name__iexact=last)
        found: dict[str, User] = {}
        for user in User.objects.filter(lookup):
            for name in unknown:
                if name.lower() in {
                    user.username.lower(),
                    user.email.lower(),
                    user.get_full_name().lower(),
                }:
                    found[name] = user
        known.update({name: found.get(name) for name in unknown})
    return {name: known[name] for name in names if known[name] is not None}


def _link_causes(
    items: list[ActionItem], imported: Sequence[ImportedActionItem], causes: list[Cause]
) -> None:
    """Link each saved item to the causes it addresses, in one insert (none without links)."""
    links = [
        ActionItem.causes.through(actionitem_id=item.pk, cause_id=causes[position].pk)
        for item, imported_item in zip(items, imported, strict=True)
        for position in imported_item.causes
    ]
    if links:
        ActionItem.causes.through.objects.bulk_create(links, ignore_conflicts=True)
