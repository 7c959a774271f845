"""A published postmortem's facts are read-only in the services, whatever calls them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import ActionItem, Incident
from postmortems import services as postmortem_services
from postmortems.layouts.builtin_templates import GOOGLE_SRE
from postmortems.layouts.sections import ensure_builtin_templates
from postmortems.models import Postmortem
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    incident = IncidentFactory(title="Database failover")
    Postmortem.objects.filter(incident=incident).delete()
    postmortem = Postmortem.objects.create(incident=incident, status=Postmortem.Status.PUBLISHED)
    return postmortem


def fact_writes(incident: Incident, actor):
    event = TimelineEventFactory(incident=incident)
    cause = CauseFactory(incident=incident)
    moment = incident.started_at + timedelta(minutes=5)
    return {
        "incident_update": lambda: services.incident_update(
            incident=incident, actor=actor, data={"title": "Rewritten"}, expected_version=1
        ),
        "timeline_event_create": lambda: services.timeline_event_create(
            incident=incident, actor=actor, data={"occurred_at": moment, "description": "x"}
        ),
        "timeline_event_update": lambda: services.timeline_event_update(
            event=event, actor=actor, data={"description": "Rewritten"}
        ),
        "timeline_event_delete": lambda: services.timeline_event_delete(event=event, actor=actor),
        "cause_create": lambda: services.cause_create(
            incident=incident, actor=actor, data={"description": "Another cause"}
        ),
        "cause_update": lambda: services.cause_update(
            cause=cause, actor=actor, data={"description": "Rewritten"}
        ),
        "cause_delete": lambda: services.cause_delete(cause=cause, actor=actor),
        "move": lambda: services.move(instance=cause, actor=actor, direction="up"),
        "postmortem_update": lambda: postmortem_services.postmortem_update(
            postmortem=incident.postmortem,
            actor=actor,
            data={"sections": {"trigger": "Rewritten"}},
            expected_version=incident.postmortem.version,
        ),
        "postmortem_set_template": lambda: postmortem_services.postmortem_set_template(
            incident=incident, template=ensure_builtin_templates()[GOOGLE_SRE], actor=actor
        ),
    }


WRITES = [
    "incident_update",
    "timeline_event_create",
    "timeline_event_update",
    "timeline_event_delete",
    "cause_create",
    "cause_update",
    "cause_delete",
    "move",
    "postmortem_update",
    "postmortem_set_template",
]


@pytest.mark.parametrize("write", WRITES)
def test_every_write_to_a_published_postmortems_facts_is_refused(published, write):
    incident = published.incident
    changes_before = incident.changes.count()

    with pytest.raises(ValidationError, match="read-only"):
        fact_writes(incident, UserFactory())[write]()

    assert incident.changes.count() == changes_before
    assert Incident.objects.get(pk=incident.pk).title == "Database failover"


def test_after_reopening_the_same_writes_go_through(published):
    actor = UserFactory()
    postmortem_services.postmortem_reopen(postmortem=published, actor=actor, reason="typo")

    for name in WRITES:
        incident = Incident.objects.get(pk=published.incident_id)
        fact_writes(incident, actor)[name]()

    assert Incident.objects.get(pk=incident.pk).title == "Rewritten"


def test_action_items_stay_open_to_follow_through_after_publishing(published):
    item = ActionItemFactory(incident=published.incident)

    services.action_item_update(item=item, actor=item.owner, data={"status": "done"})

    assert ActionItem.objects.get(pk=item.pk).status == "done"
