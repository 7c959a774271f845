from datetime import timedelta

import pytest
from django.urls import reverse

from core import dashboard_cache
from core.models import ChangeRecord
from incidents import services
from postmortems import services as postmortem_services
from postmortems.models import Postmortem
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_timeline_event_update_records_old_and_new_text():
    event = TimelineEventFactory(description="Looked at logs.")
    actor = UserFactory()
    services.timeline_event_update(event=event, actor=actor, data={"description": "Read logs."})
    record = ChangeRecord.objects.get()
    assert record.actor == actor
    assert record.changes == {"description": ["Looked at logs.", "Read logs."]}


def test_new_action_item_owner_is_notified_after_commit(django_capture_on_commit_callbacks):
    incident = IncidentFactory()
    owner = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        item = services.action_item_create(
            incident=incident,
            actor=incident.commander,
            data={"title": "Alert on 5xx", "owner": owner, "kind": "detect"},
        )
    # One nudge of the event consumers; the dashboard's cache is made stale on commit too.
    assert len([c for c in callbacks if c is not dashboard_cache.bump_generation]) == 1
    assert item.position == 0 and item.status == "open"
    assert incident.changes.get().action == "created"


def test_events_at_the_same_time_reorder_but_time_still_decides():
    incident = IncidentFactory()
    first = TimelineEventFactory(incident=incident, description="a", position=0)
    second = TimelineEventFactory(incident=incident, description="b", position=1)
    later = TimelineEventFactory(
        incident=incident, occurred_at=first.occurred_at + timedelta(minutes=5), description="c"
    )
    services.move(instance=second, actor=incident.commander, direction="up")
    assert [e.description for e in incident.timeline_events.all()] == ["b", "a", "c"]
    services.move(instance=later, actor=incident.commander, direction="up")
    assert [e.description for e in incident.timeline_events.all()] == ["b", "a", "c"]


def test_stale_incident_save_raises_and_leaves_the_row_alone():
    incident = IncidentFactory(title="Before")
    services.incident_update(
        incident=incident, actor=incident.commander, data={"title": "First"}, expected_version=1
    )
    stale = IncidentFactory._meta.model.objects.get(pk=incident.pk)
    with pytest.raises(services.StaleVersionError) as error:
        services.incident_update(
            incident=stale, actor=incident.commander, data={"title": "Second"}, expected_version=1
        )
    assert error.value.current.title == "First"


def test_asking_for_changes_sends_the_postmortem_back_to_draft():
    reviewer = UserFactory()
    postmortem = PostmortemFactory(status="in_review", reviewers=[reviewer])
    postmortem_services.postmortem_review(
        postmortem=postmortem, actor=reviewer, decision="request_changes", body="Add the impact."
    )
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT
    assert postmortem.incident.changes.filter(action="status", note="changes requested").exists()


def test_manager_may_edit_any_incident(client):
    manager = UserFactory()
    TeamFactory(manager=manager)
    incident = IncidentFactory()
    client.force_login(manager)
    assert client.get(reverse("incidents:edit", args=[incident.pk])).status_code == 200


def test_timeline_event_edit_works_in_place_and_without_javascript(client):
    event = TimelineEventFactory(description="Old text")
    incident = event.incident
    client.force_login(incident.commander)
    url = reverse("incidents:event_edit", args=[incident.pk, event.pk])

    in_place = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in in_place and "Old text" in in_place
    full_page = client.get(url).content.decode()
    assert "<html" in full_page and "Old text" in full_page

    prefix = f"event-{event.pk}"
    response = client.post(
        url,
        {
            f"{prefix}-occurred_at": "2026-03-10T09:20",
            f"{prefix}-entry_zone": "UTC",
            f"{prefix}-kind": "action",
            f"{prefix}-description": "New text",
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.description == "New text" and event.occurred_at.minute == 20


def test_invalid_in_place_edit_goes_back_into_the_row(client):
    event = TimelineEventFactory()
    incident = event.incident
    client.force_login(incident.commander)
    prefix = f"event-{event.pk}"
    response = client.post(
        reverse("incidents:event_edit", args=[incident.pk, event.pk]),
        {
            f"{prefix}-occurred_at": "",
            f"{prefix}-entry_zone": "UTC",
            f"{prefix}-kind": "action",
            f"{prefix}-description": "Kept",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Retarget"] == f"#edit-timeline-{event.pk}"
    assert "This field is required." in response.content.decode()
    assert "Kept" in response.content.decode()


def test_action_item_owner_may_update_status_but_sees_a_conflict_on_stale_version(client):
    item = ActionItemFactory(title="Alerting")
    client.force_login(item.owner)
    url = reverse("incidents:item_edit", args=[item.incident_id, item.pk])
    prefix = f"item-{item.pk}"
    data = {
        f"{prefix}-title": "Alerting",
        f"{prefix}-kind": "prevent",
        f"{prefix}-priority": "P3",
        f"{prefix}-owner": item.owner.pk,
        f"{prefix}-due_date": "2026-04-01",
        f"{prefix}-status": "done",
        f"{prefix}-version": 1,
    }
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.completed_at is not None
    page = client.post(url, {**data, f"{prefix}-status": "in_progress"}).content.decode()
    assert "Someone else saved first" in page
    assert f'name="{prefix}-version" value="2"' in page  # saving again is a choice
