"""Writes with side effects: each is one transaction that also records the change.

The record is the event (core.events) that consumers react to after commit; no write
here knows its consumers. A published postmortem freezes its incident's facts: every write
to them asks the registered write guards first (the postmortem app registers one).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.events import record_event
from core.models import ChangeRecord
from incidents import tags
from incidents.models import ActionItem, Cause, Incident, Tag, TimelineEvent, User

logger = logging.getLogger(__name__)


class StaleVersionError(Exception):
    """Someone else saved the object after the form was loaded."""

    def __init__(self, current: models.Model):
        super().__init__("Someone else changed this since you opened it.")
        self.current = current


class StrandedOwners(models.TextChoices):
    """What to do about items whose owners a save would leave unable to see the incident."""

    ALLOW = "allow", "Also let them see it"
    UNASSIGN = "unassign", "Save and leave their items without an owner"


class StrandedOwnersError(Exception):
    """The save would leave items with owners who may no longer see the incident.

    Nothing was written; save again with a StrandedOwners choice.
    """

    def __init__(self, items: list[ActionItem]):
        self.items = items
        self.owners = owners_of(items)
        super().__init__(stranded_owners_message(items))


def owners_of(items: list[ActionItem]) -> list[User]:
    """Return the items' owners, once each, in the order of the items."""
    return list({item.owner_id: item.owner for item in items}.values())


def stranded_owners_message(items: list[ActionItem]) -> str:
    """Return who would lose sight of the incident, with their items, in one sentence."""
    by_owner: dict[int, list[ActionItem]] = {}
    for item in items:
        by_owner.setdefault(item.owner_id, []).append(item)
    people = "; ".join(
        f"{owned[0].owner} ({owned[0].owner.username}): "
        + ", ".join(f"‘{item.title}’" for item in owned)
        for owned in by_owner.values()
    )
    return (
        f"After this save these owners of action items could no longer see the incident: "
        f"{people}. Also let them see it, or save and leave their items without an owner."
    )


def _display(instance: models.Model, field: models.Field) -> str:
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    value = getattr(instance, field.name)
    if isinstance(value, datetime):
        # History is read by people in many zones: say plainly which one this is.
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "" if value is None else str(value)


def diff_fields(before: models.Model | None, after: models.Model, names: Iterable[str]):
    """Return {field: [old, new]} as display text for the named fields that differ."""
    changes = {}
    for name in names:
        field = after._meta.get_field(name)
        old = _display(before, field) if before is not None else ""
        new = _display(after, field)
        if old != new:
            changes[name] = [old, new]
    return changes


def raw_values(before: models.Model | None, after: models.Model, names: Iterable[str]):
    """Return {field: [old, new]} as stored values (ids, dates) for the named fields."""
    values = {}
    for name in names:
        field = after._meta.get_field(name)
        old = field.value_from_object(before) if before is not None else None
        new = field.value_from_object(after)
        if old != new:
            values[name] = [old, new]
    return values


def event_name(target: models.Model, what: str) -> str:
    """Return the event name for something that happened to target: 'action_item.created'."""
    return f"{str(target._meta.verbose_name).replace(' ', '_')}.{what}"


def record_change(
    *,
    incident: Incident,
    actor: User | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    note: str = "",
    event: str | None = None,
    incident_is_new: bool = False,
) -> ChangeRecord:
    """Add one entry to the incident's history: the event consumers react to.

    The event is named after the target and the action ('cause.updated') unless given.
    incident_is_new: the incident was inserted in this transaction (see record_event).
    """
    what = {ChangeRecord.Action.STATUS: "status_changed"}.get(action, action)
    return record_event(
        event=event or event_name(target, what),
        incident=incident,
        actor=actor,
        action=action,
        target=target,
        changes=changes,
        values=values,
        note=note,
        incident_is_new=incident_is_new,
    )


WriteGuard = Callable[[Incident], str | None]
_write_guards: list[WriteGuard] = []


def register_write_guard(guard: WriteGuard) -> None:
    """Ask guard before every write to an incident's facts; it returns why not, or None."""
    if guard not in _write_guards:
        _write_guards.append(guard)


def ensure_facts_writable(incident: Incident) -> None:
    """Refuse (ValidationError) a write to the incident, its timeline or its causes."""
    for guard in _write_guards:
        reason = guard(incident)
        if reason:
            raise ValidationError(reason)


def save_versioned(*, instance: models.Model, expected_version: int) -> None:
    """Save the instance only if its row still has expected_version, bumping the version.

    The check and the write are one UPDATE, so two concurrent saves cannot both win.
    """
    model = type(instance)
    instance.full_clean()
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name != "version" and not getattr(f, "auto_now_add", False)
    ]
    instance.version = expected_version + 1
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            field.pre_save(instance, add=False)
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1,
        **{name: getattr(instance, model._meta.get_field(name).attname) for name in fields},
    )
    if updated == 0:
        instance.version = expected_version
        raise StaleVersionError(model.objects.get(pk=instance.pk))


def save_row(*, instance: models.Model, current_version: int, expected_version: int | None) -> None:
    """Validate and save a row of an incident (event, cause, item) as its next version.

    With expected_version, the version the person's form was loaded at, the save is refused
    (StaleVersionError) when someone saved the row since; without it, as from the board's
    quick changes, it simply follows the current version.
    """
    if expected_version is not None:
        save_versioned(instance=instance, expected_version=expected_version)
        return
    instance.full_clean(exclude=["incident"])  # a row never moves to another incident
    instance.version = current_version + 1
    instance.save()


def _checked_causes(incident: Incident, causes: Iterable[Cause]) -> list[Cause]:
    """Return the causes an item is to address, refusing any of another incident."""
    causes = sorted(causes, key=lambda cause: (cause.position, cause.pk))
    if any(cause.incident_id != incident.pk for cause in causes):
        raise ValidationError(
            {"causes": "An action item can only address causes of its own incident."}
        )
    return causes


def _set_causes(
    item: ActionItem, causes: list[Cause], changes: dict[str, Any], values: dict[str, Any]
) -> None:
    """Link the item to exactly these causes and note the difference in changes and values."""
    old = list(item.causes.order_by("position", "pk")) if item.pk else []
    if [c.pk for c in old] == [c.pk for c in causes]:
        return
    item.causes.set(causes)
    changes["causes"] = ["; ".join(c.label for c in old), "; ".join(c.label for c in causes)]
    values["causes"] = [[c.pk for c in old], [c.pk for c in causes]]


def _set_tags(owner: Incident | Cause, tag_list: list[Tag], changes: dict[str, Any]) -> None:
    """Tag the incident or cause with exactly these tags; note the difference in changes."""
    old = tags.tag_names(owner.tags.all())
    owner.tags.set(tag_list)
    new = tags.tag_names(tag_list)
    if old != new:
        changes["tags"] = [old, new]


@transaction.atomic
def action_item_update(
    *, item: ActionItem, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> ActionItem:
    """Apply the changed fields to an action item and record them (a new owner is told)."""
    data = dict(data)
    causes = data.pop("causes", None)
    if causes is not None:
        causes = _checked_causes(item.incident, causes)
    before = ActionItem.objects.get(pk=item.pk)
    for name, value in data.items():
        if name == "status":
            item.set_status(value)
        else:
            setattr(item, name, value)
    save_row(instance=item, current_version=before.version, expected_version=expected_version)
    changes = diff_fields(before, item, data.keys())
    values = raw_values(before, item, data.keys())
    if causes is not None:
        _set_causes(item, causes, changes, values)
    if changes:
        action = ChangeRecord.Action.STATUS if list(changes) == ["status"] else "updated"
        record_change(
            incident=item.incident,
            actor=actor,
            action=action,
            target=item,
            changes=changes,
            values=values,
        )
    return item


# --- Authoring: incidents, timeline events, causes, action items ---

INCIDENT_FIELDS = (
    "title",
    "severity",
    "status",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "time_zone",
    "users_affected",
    "commander",
    "team",
    "is_private",
)
# Who may see a private incident; set with the incident, recorded like its services.
VISIBILITY_FIELDS = ("allowed_users", "allowed_teams")
EVENT_FIELDS = ("occurred_at", "kind", "is_dead_end", "description")
CAUSE_FIELDS = ("role", "category", "description", "resolution")
ITEM_FIELDS = ("title", "description", "kind", "priority", "owner", "due_date", "status")


@transaction.atomic
def incident_create(*, actor: User, data: dict[str, Any]) -> Incident:
    """Create an incident; the postmortem app makes its draft on the incident.created event."""
    services = data.pop("services", None)
    tag_list = tags.tags_named(data.pop("tags", None) or [])
    visibility = {name: data.pop(name) for name in VISIBILITY_FIELDS if name in data}
    incident = Incident(created_by=actor, **data)
    incident.full_clean()
    incident.save()
    if services:
        incident.services.set(services)
    changes = diff_fields(None, incident, [n for n in INCIDENT_FIELDS if n in data])
    if tag_list:
        incident.tags.set(tag_list)
        changes["tags"] = ["", tags.tag_names(tag_list)]
    for name, values in visibility.items():
        getattr(incident, name).set(values)
        if values:
            changes[name] = ["", ", ".join(sorted(str(v) for v in values))]
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=incident,
        changes=changes,
        values=raw_values(None, incident, [n for n in INCIDENT_FIELDS if n in data]),
    )
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: User,
    data: dict[str, Any],
    expected_version: int,
    stranded_owners: str | None = None,
) -> Incident:
    """Apply the changed fields to the incident if nobody saved it since expected_version.

    A save that would leave owners of its action items unable to see the incident (made
    private, or fewer people and teams allowed) is refused with StrandedOwnersError and
    writes nothing, unless `stranded_owners` (a StrandedOwners value) says what to do:
    let those owners see it, or take their items from them.
    """
    ensure_facts_writable(incident)
    before = Incident.objects.get(pk=incident.pk)
    # Items already out of their owner's sight are not this save's doing: not asked again.
    already = set(_items_out_of_sight(before)) if before.is_private else set()
    services = data.pop("services", None)
    tag_list = data.pop("tags", None)
    sets = {"services": services}
    sets.update({name: data.pop(name) for name in VISIBILITY_FIELDS if name in data})
    sets = {name: list(values) for name, values in sets.items() if values is not None}
    old = {name: _names(getattr(before, name).all()) for name in sets}
    for name, value in data.items():
        setattr(incident, name, value)
    save_versioned(instance=incident, expected_version=expected_version)
    changes = diff_fields(before, incident, data.keys())
    if tag_list is not None:
        _set_tags(incident, tags.tags_named(tag_list), changes)
    for name, values in sets.items():
        getattr(incident, name).set(values)
    stranded = []
    if incident.is_private:  # a public incident hides nothing: no query
        stranded = [i for pk, i in _items_out_of_sight(incident).items() if pk not in already]
    if stranded:
        if stranded_owners not in StrandedOwners.values:
            raise StrandedOwnersError(stranded)  # rolls back everything above
        if stranded_owners == StrandedOwners.ALLOW:
            owners = owners_of(stranded)
            if "allowed_users" not in sets:
                old["allowed_users"] = _names(before.allowed_users.all())
                sets["allowed_users"] = list(before.allowed_users.all())
            sets["allowed_users"] += [o for o in owners if o not in sets["allowed_users"]]
            incident.allowed_users.add(*owners)
    for name, values in sets.items():
        if old[name] != _names(values):
            changes[name] = [", ".join(old[name]), ", ".join(_names(values))]
    if changes:
        record_change(
            incident=incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=incident,
            changes=changes,
            # Raw values too, so consumers can tell a resolution from other edits.
            values=raw_values(before, incident, data.keys()),
        )
    if stranded and stranded_owners == StrandedOwners.UNASSIGN:
        _unassign(stranded, actor=actor)
    return incident


def _names(values: Iterable[Any]) -> list[str]:
    return sorted(str(value) for value in values)


def _items_out_of_sight(incident: Incident) -> dict[int, ActionItem]:
    """Return the incident's items whose owner may not see it, by id, oldest first."""
    items = incident.action_items.owner_out_of_sight().select_related("owner").order_by("pk")
    return {item.pk: item for item in items}


def _unassign(items: list[ActionItem], *, actor: User) -> None:
    """Take the items from owners who may no longer see their incident, each in its history."""
    for item in items:
        owner = item.owner
        item.owner = None
        save_row(instance=item, current_version=item.version, expected_version=None)
        record_change(
            incident=item.incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=item,
            changes={"owner": [str(owner), ""]},
            values={"owner": [owner.pk, None]},
            note=f"{owner} may no longer see this private incident",
        )


def _next_position(queryset: models.QuerySet) -> int:
    last = queryset.aggregate(models.Max("position"))["position__max"]
    return 0 if last is None else last + 1


@transaction.atomic
def timeline_event_create(
    *, incident: Incident, actor: User, data: dict[str, Any]
) -> TimelineEvent:
    """Add an event to the incident's timeline."""
    ensure_facts_writable(incident)
    event = TimelineEvent(
        incident=incident,
        author=actor,
        position=_next_position(incident.timeline_events.all()),
        **data,
    )
    event.full_clean()
    event.save()
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=event,
        changes=diff_fields(None, event, EVENT_FIELDS),
        values=raw_values(None, event, EVENT_FIELDS),
    )
    return event


def _update_and_record(
    *, instance, actor: User, data: dict[str, Any], expected_version: int | None
):
    """Apply the changed fields to a row of an incident, save it (save_row), record the diff."""
    before = type(instance).objects.get(pk=instance.pk)
    if not isinstance(instance, ActionItem):
        ensure_facts_writable(before.incident)
    data = dict(data)
    tag_list = data.pop("tags", None) if isinstance(instance, Cause) else None
    for name, value in data.items():
        setattr(instance, name, value)
    save_row(instance=instance, current_version=before.version, expected_version=expected_version)
    changes = diff_fields(before, instance, data.keys())
    if tag_list is not None:
        _set_tags(instance, tags.tags_named(tag_list), changes)
    if changes:
        record_change(
            incident=instance.incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=instance,
            changes=changes,
            values=raw_values(before, instance, data.keys()),
        )
    return instance


@transaction.atomic
def timeline_event_update(
    *, event: TimelineEvent, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> TimelineEvent:
    """Change a timeline event and record what changed."""
    return _update_and_record(
        instance=event, actor=actor, data=data, expected_version=expected_version
    )


@transaction.atomic
def _delete(*, instance: models.Model, incident: Incident, actor: User) -> None:
    if not isinstance(instance, ActionItem):
        ensure_facts_writable(incident)
    record_change(
        incident=incident, actor=actor, action=ChangeRecord.Action.DELETED, target=instance
    )
    instance.delete()


def timeline_event_delete(*, event: TimelineEvent, actor: User) -> None:
    """Remove an event from the timeline, keeping a note of it in the history."""
    _delete(instance=event, incident=event.incident, actor=actor)


def cause_delete(*, cause: Cause, actor: User) -> None:
    """Remove a cause, keeping a note of it in the history."""
    _delete(instance=cause, incident=cause.incident, actor=actor)


def action_item_delete(*, item: ActionItem, actor: User) -> None:
    """Remove an action item, keeping a note of it in the history."""
    _delete(instance=item, incident=item.incident, actor=actor)


@transaction.atomic
def move(*, instance: TimelineEvent | Cause | ActionItem, actor: User, direction: str) -> None:
    """Swap the object with its neighbour above ("up") or below ("down") in its list.

    Timeline events only swap with events at the same time: the time decides their order.
    """
    if not isinstance(instance, ActionItem):
        ensure_facts_writable(instance.incident)
    siblings = type(instance).objects.filter(incident_id=instance.incident_id)
    if isinstance(instance, TimelineEvent):
        siblings = siblings.filter(occurred_at=instance.occurred_at)
    ordered = list(siblings.select_for_update().order_by("position", "id"))
    # Renumber first, so that equal positions (e.g. from imports) still swap.
    index = next(i for i, obj in enumerate(ordered) if obj.pk == instance.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, obj in enumerate(ordered):
        if obj.position != position:
            type(obj).objects.filter(pk=obj.pk).update(position=position)
    record_change(
        incident=instance.incident,
        actor=actor,
        action=ChangeRecord.Action.UPDATED,
        target=instance,
        note=f"moved {direction}",
        event=event_name(instance, "moved"),
    )


@transaction.atomic
def cause_create(*, incident: Incident, actor: User, data: dict[str, Any]) -> Cause:
    """Add a root cause or contributing factor to the incident."""
    ensure_facts_writable(incident)
    data = dict(data)
    tag_list = tags.tags_named(data.pop("tags", None) or [])
    cause = Cause(incident=incident, position=_next_position(incident.causes.all()), **data)
    cause.full_clean()
    cause.save()
    changes = diff_fields(None, cause, CAUSE_FIELDS)
    if tag_list:
        cause.tags.set(tag_list)
        changes["tags"] = ["", tags.tag_names(tag_list)]
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=cause,
        changes=changes,
        values=raw_values(None, cause, CAUSE_FIELDS),
    )
    return cause


@transaction.atomic
def cause_update(
    *, cause: Cause, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> Cause:
    """Change a cause and record what changed."""
    return _update_and_record(
        instance=cause, actor=actor, data=data, expected_version=expected_version
    )


@transaction.atomic
def action_item_create(*, incident: Incident, actor: User, data: dict[str, Any]) -> ActionItem:
    """Add an action item to the incident and tell its owner."""
    data = dict(data)
    causes = _checked_causes(incident, data.pop("causes", None) or [])
    status = data.pop("status", ActionItem.Status.OPEN)
    item = ActionItem(
        incident=incident, position=_next_position(incident.action_items.all()), **data
    )
    item.set_status(status)
    item.full_clean()
    item.save()
    changes = diff_fields(None, item, ITEM_FIELDS)
    values = raw_values(None, item, ITEM_FIELDS)
    _set_causes(item, causes, changes, values)
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=item,
        changes=changes,
        values=values,
    )
    return item
