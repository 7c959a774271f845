"""The webhooks consumer of events: one owed delivery per endpoint and event.

It writes rows only; workers send them (webhooks.tasks), so a slow endpoint never holds
up the events of anyone else.
"""

from collections import defaultdict

from core import events
from core.models import ChangeRecord
from webhooks import payloads, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint

CONSUMER = "webhooks"


def _is_private(record: ChangeRecord) -> bool:
    # Private incidents (Incident.is_private) are never sent anywhere: a receiver's
    # audience is wider than the incident's.
    return bool(getattr(record.incident, "is_private", False))


@events.subscribe(CONSUMER, payloads.RECORDED_EVENTS)
def owe_webhooks(records: list[ChangeRecord]) -> None:
    """Owe each active endpoint of the incident's team the events it chose.

    A fixed number of queries, whatever the number of records: the endpoints, the objects
    by kind, and one insert.
    """
    typed = [(record, payloads.webhook_event(record)) for record in records]
    typed = [
        (record, event)
        for record, event in typed
        if event is not None and record.incident.team_id is not None and not _is_private(record)
    ]
    if not typed:
        return
    endpoints_of: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    team_ids = {record.incident.team_id for record, _ in typed}
    for endpoint in WebhookEndpoint.objects.filter(team_id__in=team_ids, is_active=True):
        endpoints_of[endpoint.team_id].append(endpoint)
    owed = [
        (record, event, endpoint)
        for record, event in typed
        for endpoint in endpoints_of[record.incident.team_id]
        if event in endpoint.events
    ]
    if not owed:
        return
    data = payloads.representations(list({(r.pk, e): (r, e) for r, e, _ in owed}.values()))
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                record=record,
                event_type=event,
                payload=payloads.envelope(event=event, record=record, data=data[record.pk]),
            )
            for record, event, endpoint in owed
        ]
    )
    tasks.nudge_deliveries_after_commit([row.pk for row in rows])
