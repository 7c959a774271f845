"""Writes with side effects: each is one transaction that also records the change."""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from incidents.models import ActionItem, ChangeRecord, Incident, User

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
    item.full_clean(exclude=["incident"])
    if expected_version is None:
        item.version = before.version + 1
        item.save()
    else:
        save_versioned(instance=item, expected_version=expected_version)
    changes = diff_fields(before, item, data.keys())
    if changes:
        action = ChangeRecord.Action.STATUS if list(changes) == ["status"] else "updated"
        record_change(
            incident=item.incident, actor=actor, action=action, target=item, changes=changes
        )
    notify_new_owner(item, before.owner_id)
    return item
