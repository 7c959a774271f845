"""Which webhook event a recorded change is, and the API representation sent with it."""

from collections import defaultdict
from typing import Any

from api.serializers import (
    ActionItemSerializer,
    IncidentSerializer,
    PostmortemSerializer,
    TimelineEventSerializer,
)
from core.models import ChangeRecord
from incidents.models import ActionItem, Incident, TimelineEvent
from postmortems.models import Postmortem, Review
from webhooks.models import WebhookEvent

# The ChangeRecord events the webhooks consumer subscribes to.
RECORDED_EVENTS = (
    "incident.created",
    "incident.updated",
    "timeline_event.created",
    "postmortem.submitted",
    "postmortem.published",
    "review.created",
    "action_item.created",
    "action_item.updated",
    "action_item.status_changed",
)


def _new_value(record: ChangeRecord, field: str) -> Any:
    old_new = record.values.get(field) or [None, None]
    return old_new[1]


def webhook_event(record: ChangeRecord) -> str | None:
    """Return the webhook event a recorded change is, or None when it is none of them.

    Each change is one webhook event: an update that resolves the incident is
    incident.resolved (not also incident.updated), an approving review is
    postmortem.approved, and an action item's change that makes it done is action_item.done.
    """
    match record.event:
        case "incident.created":
            return WebhookEvent.INCIDENT_CREATED
        case "incident.updated":
            if _new_value(record, "status") == Incident.Status.RESOLVED:
                return WebhookEvent.INCIDENT_RESOLVED
            return WebhookEvent.INCIDENT_UPDATED
        case "timeline_event.created":
            return WebhookEvent.TIMELINE_EVENT_CREATED
        case "postmortem.submitted":
            return WebhookEvent.POSTMORTEM_SUBMITTED
        case "postmortem.published":
            return WebhookEvent.POSTMORTEM_PUBLISHED
        case "review.created":
            if _new_value(record, "decision") == Review.Decision.APPROVE:
                return WebhookEvent.POSTMORTEM_APPROVED
            return None
        case "action_item.created":
            return WebhookEvent.ACTION_ITEM_CREATED
        case "action_item.updated" | "action_item.status_changed":
            if _new_value(record, "status") == ActionItem.Status.DONE:
                return WebhookEvent.ACTION_ITEM_DONE
            return WebhookEvent.ACTION_ITEM_UPDATED
    return None


# Which model each webhook event's data represents, by the first part of its name.
_KINDS = {
    "incident": (
        Incident,
        IncidentSerializer,
        lambda ids: Incident.objects.filter(pk__in=ids).prefetch_related(
            "services", "tags", "allowed_users", "allowed_teams"
        ),
    ),
    "timeline_event": (
        TimelineEvent,
        TimelineEventSerializer,
        lambda ids: TimelineEvent.objects.filter(pk__in=ids),
    ),
    "action_item": (
        ActionItem,
        ActionItemSerializer,
        lambda ids: (
            ActionItem.objects.filter(pk__in=ids)
            .select_related("tracker_issue")
            .prefetch_related("causes")
        ),
    ),
    "postmortem": (
        Postmortem,
        PostmortemSerializer,
        lambda ids: (
            Postmortem.objects.filter(pk__in=ids)
            .select_related("incident")
            .prefetch_related("authors", "reviewers")
        ),
    ),
}


def representations(typed: list[tuple[ChangeRecord, str]]) -> dict[int, dict[str, Any]]:
    """Return {record id: API representation} of what each record's webhook event is about.

    One query per kind of object (plus its prefetches), whatever the number of records. A
    postmortem.approved is about the postmortem the approving review is on. An object
    deleted since its change was recorded is sent as the record has it, marked deleted.
    """
    review_ids = [r.target_id for r, event in typed if event == WebhookEvent.POSTMORTEM_APPROVED]
    postmortem_of_review = dict(
        Review.objects.filter(pk__in=review_ids).values_list("pk", "postmortem_id")
    )
    wanted: dict[str, dict[int, int | None]] = defaultdict(dict)  # kind -> record -> object
    for record, event in typed:
        kind = event.split(".")[0]
        object_id = record.target_id
        if event == WebhookEvent.POSTMORTEM_APPROVED:
            object_id = postmortem_of_review.get(record.target_id)
        wanted[kind][record.pk] = object_id
    data: dict[int, dict[str, Any]] = {}
    for kind, by_record in wanted.items():
        _model, serializer, queryset = _KINDS[kind]
        ids = {object_id for object_id in by_record.values() if object_id is not None}
        found = {obj.pk: serializer(obj).data for obj in queryset(ids)} if ids else {}
        for record_id, object_id in by_record.items():
            if object_id in found:
                data[record_id] = dict(found[object_id])
    for record, _event in typed:
        if record.pk not in data:
            data[record.pk] = {
                "id": record.target_id,
                "incident": record.incident_id,
                "deleted": True,
                "description": record.object_repr,
                "values": record.values,
            }
    return data


def envelope(*, event: str, record: ChangeRecord, data: dict[str, Any]) -> dict[str, Any]:
    """Return the body of a webhook: its type, when the change happened, and the object."""
    return {"type": event, "timestamp": record.created_at.isoformat(), "data": data}
