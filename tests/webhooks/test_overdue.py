"""action_item.overdue: owed once per endpoint, item and day by the daily sweep."""

from datetime import date, timedelta

import pytest

from tests.factories import ActionItemFactory, IncidentFactory
from webhooks import tasks
from webhooks.models import WebhookDelivery
from webhooks.overdue import record_overdue

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 18)


def test_items_that_became_overdue_today_are_owed_once(team, make_endpoint, monkeypatch):
    endpoint = make_endpoint(events=["action_item.overdue"])
    make_endpoint(events=["action_item.done"])
    incident = IncidentFactory(team=team)
    due_yesterday = ActionItemFactory(incident=incident, due_date=DAY - timedelta(days=1))
    ActionItemFactory(incident=incident, due_date=DAY - timedelta(days=2))  # told yesterday
    ActionItemFactory(incident=incident, due_date=DAY)  # not overdue yet
    ActionItemFactory(incident=incident, due_date=DAY - timedelta(days=1), status="done")
    ActionItemFactory(incident=IncidentFactory(), due_date=DAY - timedelta(days=1))

    first = record_overdue(DAY)
    second = record_overdue(DAY)

    (delivery,) = WebhookDelivery.objects.all()
    assert first == second == [delivery.pk]
    assert (delivery.endpoint, delivery.event_type, delivery.object_id) == (
        endpoint,
        "action_item.overdue",
        due_yesterday.pk,
    )
    assert delivery.payload["type"] == "action_item.overdue"
    assert delivery.payload["data"]["id"] == due_yesterday.pk


def test_the_sweep_task_nudges_each_row_after_commit(
    team, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint(events=["action_item.overdue"])
    ActionItemFactory(incident=IncidentFactory(team=team), due_date=DAY - timedelta(days=1))
    nudged = []
    monkeypatch.setattr(tasks, "nudge_deliveries", nudged.extend)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.record_overdue_sweep.delay(DAY.isoformat()).get() == 1

    assert nudged == list(WebhookDelivery.objects.values_list("pk", flat=True))
