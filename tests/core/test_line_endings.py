"""Text typed in a browser arrives with CRLF line endings; it is stored with LF only."""

import pytest
from django.urls import reverse

from incidents.models import ActionItem, TimelineEvent
from postmortems.models import Comment, PostmortemSection
from tests.factories import IncidentFactory, PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db

TYPED = "First line\r\n\r\n- one\r\n- two\rlast"
STORED = "First line\n\n- one\n- two\nlast"


def test_the_editor_stores_sections_summary_and_impact_with_lf(client):
    author = UserFactory()
    postmortem = PostmortemFactory(authors=[author])
    section = postmortem.sections.get(key="trigger")
    client.force_login(author)
    response = client.post(
        reverse("postmortems:edit", args=[postmortem.incident_id]),
        {
            "summary": TYPED,
            "impact": TYPED,
            f"section_{section.key}": TYPED,
            "version": postmortem.version,
            "authors": [author.pk],
        },
    )
    assert response.status_code == 302
    postmortem.incident.refresh_from_db()
    assert postmortem.incident.summary == STORED
    assert postmortem.incident.impact == STORED
    assert PostmortemSection.objects.get(pk=section.pk).body == STORED


def test_timeline_entries_action_items_and_comments_are_stored_with_lf(client):
    incident = IncidentFactory()
    postmortem = PostmortemFactory(incident=incident)
    client.force_login(incident.commander)
    client.post(
        reverse("incidents:event_create", args=[incident.pk]),
        {
            "event-occurred_at": incident.started_at.strftime("%Y-%m-%dT%H:%M"),
            "event-entry_zone": "UTC",
            "event-kind": "action",
            "event-description": TYPED,
        },
    )
    client.post(
        reverse("incidents:item_create", args=[incident.pk]),
        {
            "item-title": "Add monitoring",
            "item-description": TYPED,
            "item-kind": "detect",
            "item-priority": "P2",
            "item-owner": incident.commander.pk,
            "item-status": "open",
        },
    )
    client.post(
        reverse("postmortems:thread_create", args=[postmortem.incident_id]),
        {"section": "timeline", "body": TYPED},
    )
    assert TimelineEvent.objects.get(incident=incident).description == STORED
    assert ActionItem.objects.get(incident=incident).description == STORED
    assert Comment.objects.get().body == STORED
