"""Writes of webhooks: register, switch on and off, delete, send again."""

from django.db import transaction
from django.utils import timezone

from incidents.models import Team, User
from webhooks import sending, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_create(*, team: Team, url: str, events: list[str], actor: User) -> WebhookEndpoint:
    """Register an endpoint with a new secret; raise RefusedURL for an address not allowed."""
    endpoint = WebhookEndpoint(team=team, url=url, events=sorted(events), created_by=actor)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint; enabling starts its count of failures afresh."""
    endpoint.is_active = active
    endpoint.disabled_at = None if active else timezone.now()
    endpoint.disabled_reason = "" if active else "Disabled by a manager."
    endpoint.failing_since = None
    endpoint.consecutive_failures = 0
    endpoint.save(
        update_fields=[
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "consecutive_failures",
        ]
    )
    return endpoint


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Owe the endpoint the same message again, with the same webhook-id, as a new row.

    The id stays (as Standard Webhooks asks of a resend), so a receiver that already
    processed the message can recognise it; the signature's timestamp is new at each try.
    """
    replay = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        record=delivery.record,
        event_type=delivery.event_type,
        webhook_id=delivery.webhook_id,
        payload=delivery.payload,
        object_id=delivery.object_id,
        for_date=delivery.for_date,
        replay_of=delivery,
        replayed_by=actor,
    )
    tasks.nudge_deliveries_after_commit([replay.pk])
    return replay


def check_url(url: str) -> None:
    """Raise RefusedURL, or OSError when the host does not resolve, for a URL not allowed."""
    sending.resolve(url)
