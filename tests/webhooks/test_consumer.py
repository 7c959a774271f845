"""The webhooks consumer owes each endpoint the events it chose, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.serializers import ActionItemSerializer, IncidentSerializer
from core import events
from incidents import services
from incidents.models import Incident
from postmortems import services as postmortem_services
from tests.factories import BASE_TIME, IncidentFactory, PostmortemFactory, UserFactory
from webhooks.handlers import CONSUMER
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def handle() -> None:
    while events.handle_pending(CONSUMER).more:
        pass


def test_an_endpoint_is_owed_each_event_it_chose_with_the_api_representation(team, make_endpoint):
    endpoint = make_endpoint(events=["incident.created", "action_item.created"])
    make_endpoint(events=["incident.created"], is_active=False)
    make_endpoint(events=["timeline_event.created"])
    incident = IncidentFactory(team=team)
    item = services.action_item_create(
        incident=incident, actor=UserFactory(), data={"title": "Alert on lag"}
    )
    handle()

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.endpoint == endpoint
    assert delivery.event_type == "action_item.created"
    assert delivery.webhook_id.startswith("msg_")
    assert delivery.status == "pending"
    assert delivery.payload["type"] == "action_item.created"
    assert delivery.payload["timestamp"] == delivery.record.created_at.isoformat()
    assert delivery.payload["data"] == dict(ActionItemSerializer(item).data)


def test_an_incident_that_is_resolved_is_incident_resolved(team, make_endpoint):
    make_endpoint(events=["incident.resolved", "incident.updated"])
    incident = services.incident_create(
        actor=UserFactory(),
        data={"title": "Checkout down", "started_at": BASE_TIME, "team": team,
              "status": "investigating"},
    )  # fmt: skip
    services.incident_update(
        incident=incident,
        actor=UserFactory(),
        data={"status": "resolved", "resolved_at": incident.started_at + timedelta(hours=1)},
        expected_version=incident.version,
    )
    handle()

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event_type == "incident.resolved"
    incident.refresh_from_db()
    assert delivery.payload["data"]["status"] == "resolved"
    assert delivery.payload["data"] == dict(
        IncidentSerializer(Incident.objects.get(pk=incident.pk)).data
    )


def test_an_approving_review_sends_the_postmortem(team, make_endpoint):
    make_endpoint(events=["postmortem.approved", "postmortem.submitted"])
    reviewer = UserFactory()
    postmortem = PostmortemFactory(incident=IncidentFactory(team=team), reviewers=[reviewer])
    postmortem_services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    postmortem_services.postmortem_review(postmortem=postmortem, actor=reviewer, decision="comment")
    postmortem_services.postmortem_review(postmortem=postmortem, actor=reviewer, decision="approve")
    handle()

    submitted, approved = WebhookDelivery.objects.order_by("pk")
    assert [submitted.event_type, approved.event_type] == [
        "postmortem.submitted",
        "postmortem.approved",
    ]
    assert approved.payload["data"]["id"] == postmortem.pk
    assert approved.payload["data"]["reviewers"] == [reviewer.pk]


def test_an_object_deleted_before_the_event_is_handled_is_sent_as_the_record_has_it(
    team, make_endpoint
):
    make_endpoint(events=["action_item.created"])
    actor = UserFactory()
    item = services.action_item_create(
        incident=IncidentFactory(team=team), actor=actor, data={"title": "Gone soon"}
    )
    item_id = item.pk
    services.action_item_delete(item=item, actor=actor)
    handle()

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["data"]["id"] == item_id
    assert delivery.payload["data"]["deleted"] is True
    assert delivery.payload["data"]["description"] == "Gone soon"


def test_incidents_of_other_teams_and_without_a_team_are_not_sent(team, make_endpoint):
    make_endpoint()
    for incident in (IncidentFactory(), IncidentFactory(team=None)):
        services.action_item_create(incident=incident, actor=UserFactory(), data={"title": "x"})
    handle()

    assert not WebhookDelivery.objects.exists()


@pytest.mark.skipif(
    not hasattr(Incident, "is_private"),
    reason="Incident.is_private does not exist on this branch yet (private incidents)",
)
def test_private_incidents_are_never_sent(team, make_endpoint):
    make_endpoint()
    incident = IncidentFactory(team=team, is_private=True)
    services.action_item_create(incident=incident, actor=UserFactory(), data={"title": "x"})
    handle()

    assert not WebhookDelivery.objects.exists()


def _record_items(team, count: int) -> None:
    actor = UserFactory()
    incidents = [IncidentFactory(team=team) for _ in range(2)]
    for n in range(count):
        incident = incidents[n % 2]
        if n % 3 == 0:
            services.timeline_event_create(
                incident=incident, actor=actor, data={"occurred_at": incident.started_at,
                                                      "description": f"step {n}"}
            )  # fmt: skip
        else:
            services.action_item_create(incident=incident, actor=actor, data={"title": f"{n}"})


def _queries_to_handle() -> int:
    with CaptureQueriesContext(connection) as queries:
        progress = events.handle_pending(CONSUMER)
    assert not progress.more
    return len(queries)


def test_the_consumer_makes_as_many_queries_for_30_events_as_for_2(team, make_endpoint):
    make_endpoint()
    make_endpoint(url="https://other.example.com/hook")
    _record_items(team, 2)
    for_two = _queries_to_handle()
    assert WebhookDelivery.objects.count() == 4

    _record_items(team, 30)
    for_thirty = _queries_to_handle()
    assert WebhookDelivery.objects.count() == 4 + 60
    assert for_thirty == for_two


def test_each_delivery_is_nudged_after_commit(
    team, make_endpoint, django_capture_on_commit_callbacks, monkeypatch
):
    from webhooks import tasks

    make_endpoint(events=["action_item.created"])
    nudged = []
    monkeypatch.setattr(tasks, "nudge_deliveries", nudged.extend)
    services.action_item_create(incident=IncidentFactory(team=team), actor=UserFactory(),
                                data={"title": "x"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        handle()

    assert nudged == list(WebhookDelivery.objects.values_list("pk", flat=True))
