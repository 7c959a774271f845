"""Writes with side effects: each is one transaction that also records the change."""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction

from incidents.models import ActionItem, Cause, ChangeRecord, Incident, TimelineEvent, User

logger = logging.getLogger(__name__)


class StaleVersionError(Exception):
    """Someone else saved the object after the form was loaded."""

    def __init__(self, current: models.Model):
        super().__init__("Someone else changed this since you opened it.")
        self.current = current


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


def record_change(
    *,
    incident: Incident,
    actor: User | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> ChangeRecord:
    """Add one entry to the incident's history."""
    return ChangeRecord.objects.create(
        incident=incident,
        actor=actor,
        action=action,
        object_type=str(target._meta.verbose_name),
        object_repr=str(target)[:200],
        changes=changes or {},
        note=note[:300],
    )


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


def notify_new_owner(item: ActionItem, previous_owner_id: int | None) -> None:
    """After commit, tell the new owner of an action item that it is theirs now."""
    if item.owner_id is None or item.owner_id == previous_owner_id:
        return
    from incidents import tasks

    item_id, owner_id = item.pk, item.owner_id
    # robust: a broker outage must not turn a saved change into an error page.
    transaction.on_commit(
        lambda: tasks.send_assignment_notice.delay(action_item_id=item_id, recipient_id=owner_id),
        robust=True,
    )


@transaction.atomic
def action_item_update(
    *, item: ActionItem, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> ActionItem:
    """Apply the changed fields to an action item, record them, and notify a new owner."""
    before = ActionItem.objects.get(pk=item.pk)
    for name, value in data.items():
        if name == "status":
            item.set_status(value)
        else:
            setattr(item, name, value)
    save_row(instance=item, current_version=before.version, expected_version=expected_version)
    changes = diff_fields(before, item, data.keys())
    if changes:
        action = ChangeRecord.Action.STATUS if list(changes) == ["status"] else "updated"
        record_change(
            incident=item.incident, actor=actor, action=action, target=item, changes=changes
        )
    notify_new_owner(item, before.owner_id)
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
    """Create an incident and its draft postmortem with the actor as author."""
    from postmortems.models import Postmortem

    services = data.pop("services", None)
    visibility = {name: data.pop(name) for name in VISIBILITY_FIELDS if name in data}
    incident = Incident(created_by=actor, **data)
    incident.full_clean()
    incident.save()
    if services:
        incident.services.set(services)
    changes = diff_fields(None, incident, [n for n in INCIDENT_FIELDS if n in data])
    for name, values in visibility.items():
        getattr(incident, name).set(values)
        if values:
            changes[name] = ["", ", ".join(sorted(str(v) for v in values))]
    postmortem = Postmortem.objects.create(incident=incident)
    postmortem.authors.add(actor)
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=incident,
        changes=changes,
    )
    return incident


@transaction.atomic
def incident_update(
    *, incident: Incident, actor: User, data: dict[str, Any], expected_version: int
) -> Incident:
    """Apply the changed fields to the incident if nobody saved it since expected_version."""
    before = Incident.objects.get(pk=incident.pk)
    services = data.pop("services", None)
    visibility = {name: data.pop(name) for name in VISIBILITY_FIELDS if name in data}
    for name, value in data.items():
        setattr(incident, name, value)
    save_versioned(instance=incident, expected_version=expected_version)
    changes = diff_fields(before, incident, data.keys())
    for name, values in [("services", services), *visibility.items()]:
        if values is None:
            continue
        old = sorted(str(v) for v in getattr(before, name).all())
        getattr(incident, name).set(values)
        new = sorted(str(v) for v in values)
        if old != new:
            changes[name] = [", ".join(old), ", ".join(new)]
    if changes:
        record_change(
            incident=incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=incident,
            changes=changes,
        )
    return incident


def _next_position(queryset: models.QuerySet) -> int:
    last = queryset.aggregate(models.Max("position"))["position__max"]
    return 0 if last is None else last + 1


@transaction.atomic
def timeline_event_create(
    *, incident: Incident, actor: User, data: dict[str, Any]
) -> TimelineEvent:
    """Add an event to the incident's timeline."""
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
    )
    return event


def _update_and_record(
    *, instance, actor: User, data: dict[str, Any], expected_version: int | None
):
    """Apply the changed fields to a row of an incident, save it (save_row), record the diff."""
    before = type(instance).objects.get(pk=instance.pk)
    for name, value in data.items():
        setattr(instance, name, value)
    save_row(instance=instance, current_version=before.version, expected_version=expected_version)
    changes = diff_fields(before, instance, data.keys())
    if changes:
        record_change(
            incident=instance.incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=instance,
            changes=changes,
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
    )


@transaction.atomic
def cause_create(*, incident: Incident, actor: User, data: dict[str, Any]) -> Cause:
    """Add a root cause or contributing factor to the incident."""
    cause = Cause(incident=incident, position=_next_position(incident.causes.all()), **data)
    cause.full_clean()
    cause.save()
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=cause,
        changes=diff_fields(None, cause, CAUSE_FIELDS),
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
    status = data.pop("status", ActionItem.Status.OPEN)
    item = ActionItem(
        incident=incident, position=_next_position(incident.action_items.all()), **data
    )
    item.set_status(status)
    item.full_clean()
    item.save()
    record_change(
        incident=incident,
        actor=actor,
        action=ChangeRecord.Action.CREATED,
        target=item,
        changes=diff_fields(None, item, ITEM_FIELDS),
    )
    notify_new_owner(item, None)
    return item
