"""action_item.overdue: no change records it, so a daily sweep owes it."""

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.utils import timezone

from api.serializers import ActionItemSerializer
from core.models import Delivery
from incidents.models import ActionItem
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)


def record_overdue(day: date) -> list[int]:
    """Owe each endpoint that chose action_item.overdue its team's items overdue since day.

    An item becomes overdue the day after its due date, so the sweep for `day` sends the
    open items due the day before. Running it twice for a day makes no second row (a unique
    constraint); return the ids of that day's rows still owed, for nudging.
    """
    event = WebhookEvent.ACTION_ITEM_OVERDUE
    items = [
        item
        for item in ActionItem.objects.open()
        .filter(due_date=day - timedelta(days=1), incident__team__isnull=False)
        .select_related("incident")
        if not getattr(item.incident, "is_private", False)  # never sent, as in handlers
    ]
    endpoints_of: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    team_ids = {item.incident.team_id for item in items}
    for endpoint in WebhookEndpoint.objects.filter(team_id__in=team_ids, is_active=True):
        if event in endpoint.events:
            endpoints_of[endpoint.team_id].append(endpoint)
    now = timezone.now().isoformat()
    data = {item.pk: dict(ActionItemSerializer(item).data) for item in items}
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event_type=event,
            object_id=item.pk,
            for_date=day,
            payload={
                "type": event,
                "timestamp": now,
                "data": data[item.pk],
            },
        )
        for item in items
        for endpoint in endpoints_of[item.incident.team_id]
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    owed = list(
        WebhookDelivery.objects.filter(
            event_type=event, for_date=day, status=Delivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    logger.info("overdue sweep for %s owes %d webhook deliveries", day, len(owed))
    return owed
