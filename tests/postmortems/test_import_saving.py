"""Saving an imported postmortem: the queries it takes, and what the event consumers see."""

from datetime import date
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import events
from core.models import EventHandling
from importing.parse import parse_postmortem
from importing.saving import postmortem_import
from incidents.models import Incident
from search.handlers import SEARCH_INDEX
from search.models import ActionItemSearchDocument
from tests.factories import TeamFactory, UserFactory
from tests.search.conftest import full_text  # noqa: F401  (the fixture, for these tests too)
from tests.search.test_search_page import found
from webhooks.handlers import CONSUMER as WEBHOOKS
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
# A table timeline of 4 entries, a root cause and 2 contributing factors, and 2 action
# items with owners (erin, dave), one done.
TABLE_DOCUMENT = SAMPLES / "05_table_timeline.md"


def parsed_document():
    return parse_postmortem(TABLE_DOCUMENT.read_text(), default_date=date(2026, 1, 10))


def handle_every_consumer() -> None:
    for name in (SEARCH_INDEX, WEBHOOKS):
        while events.handle_pending(name).more:
            pass


def test_saving_an_import_takes_one_insert_per_table_it_fills(django_assert_max_num_queries):
    UserFactory(username="erin")
    actor = UserFactory()
    parsed = parsed_document()
    ContentType.objects.get_for_model(Incident)  # looked up once per process, then cached
    # Savepoint and release (the test's transaction), the incident, its timeline, causes,
    # the owners looked up, the items, the template and its sections, the postmortem, its
    # sections and its author, the event and what its consumers are owed: no query per row,
    # none to validate what the parser settled.
    with django_assert_max_num_queries(14):
        incident = postmortem_import(parsed=parsed, actor=actor)

    assert incident.timeline_events.count() == 4
    assert incident.causes.count() == 3
    canary, runbook = incident.action_items.order_by("position")
    assert canary.owner.username == "erin"
    assert runbook.owner is None
    assert "Owner named in the imported document: dave" in runbook.description
    assert incident.postmortem.authors.get() == actor
    (record,) = incident.changes.all()
    assert record.event == "incident.created"
    assert set(record.handlings.values_list("consumer", flat=True)) >= {SEARCH_INDEX, WEBHOOKS}


def test_the_next_document_of_a_run_does_not_look_up_the_same_owners_again(
    django_assert_max_num_queries,
):
    UserFactory(username="erin")
    known_owners: dict = {}
    postmortem_import(parsed=parsed_document(), actor=None, known_owners=known_owners)
    # As above, less the owner lookup and the author.
    with django_assert_max_num_queries(12):
        second = postmortem_import(parsed=parsed_document(), actor=None, known_owners=known_owners)

    canary, runbook = second.action_items.order_by("position")
    assert canary.owner.username == "erin"
    assert runbook.owner is None
    assert "Owner named in the imported document: dave" in runbook.description


@pytest.mark.usefixtures("full_text")
def test_the_search_index_finds_an_imported_incident_by_its_entries_and_items(logged_in_client):
    incident = postmortem_import(parsed=parsed_document(), actor=None)
    handle_every_consumer()

    assert found(logged_in_client, q="secondary resolver") == ["DNS resolution failures"]
    assert found(logged_in_client, q="forwarders") == ["DNS resolution failures"]
    assert found(logged_in_client, q="canary") == ["DNS resolution failures"]
    items = ActionItemSearchDocument.objects.filter(item__incident=incident)
    assert items.count() == 2
    assert [d.item.title for d in items.filter(document="canary")] == [
        "Canary resolver config pushes"
    ]


def test_webhooks_handle_the_import_and_send_an_incident_without_a_team_nowhere():
    # Endpoints belong to a team, and an imported incident has none until someone sets it.
    WebhookEndpoint.objects.create(
        team=TeamFactory(), url="https://hooks.example.com/in", events=list(WebhookEvent.values)
    )
    incident = postmortem_import(parsed=parsed_document(), actor=None)
    handle_every_consumer()

    handling = EventHandling.objects.get(consumer=WEBHOOKS, record__incident=incident)
    assert handling.status == EventHandling.Status.DONE
    assert not WebhookDelivery.objects.exists()


@pytest.mark.usefixtures("full_text")
def test_two_documents_saved_from_the_import_page_are_both_indexed(logged_in_client):
    UserFactory(username="erin")
    seed = SAMPLES / "01_seed_html_headings.md"
    uploads = [TABLE_DOCUMENT.open("rb"), seed.open("rb")]
    try:
        response = logged_in_client.post(
            reverse("postmortems:import"),
            {"upload": uploads, "incident_date": "2026-01-10", "action": "save"},
        )
    finally:
        for upload in uploads:
            upload.close()
    assert response.status_code == 302
    assert Incident.objects.count() == 2
    handle_every_consumer()

    assert found(logged_in_client, q="secondary resolver") == ["DNS resolution failures"]
    dns = Incident.objects.get(title="DNS resolution failures")
    assert dns.action_items.get(title="Canary resolver config pushes").owner.username == "erin"


def test_a_resolved_incident_without_its_resolution_time_is_refused_with_the_reason():
    # The import leaves the check constraint to Incident.clean() (no query per document),
    # so clean() must say what every constraint says: add a new one there too.
    assert [c.name for c in Incident._meta.constraints] == ["incident_resolved_has_resolved_at"]
    parsed = parsed_document()
    parsed.status, parsed.resolved_at = "resolved", None

    with pytest.raises(ValidationError) as refused:
        postmortem_import(parsed=parsed, actor=None)
    assert refused.value.message_dict == {
        "resolved_at": ["A resolved incident needs the time it was resolved."]
    }
    assert not Incident.objects.exists()
