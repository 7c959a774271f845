"""PostgreSQL's full-text search: stemming, phrases, prefixes, weights, and the index kept
up to date by the events consumer."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import events
from incidents import services
from incidents.models import ActionItem, Incident
from postmortems.services import postmortem_start, postmortem_update
from search.handlers import SEARCH_INDEX
from search.models import IncidentSearchDocument
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    TimelineEventFactory,
    UserFactory,
)
from tests.search.test_search_page import found

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("full_text")]


def test_stemming_finds_other_forms_of_a_word(logged_in_client, index_all):
    IncidentFactory(title="Upstream timeout", summary="Requests failed.")
    index_all()
    assert found(logged_in_client, q="timeouts") == ["Upstream timeout"]
    assert found(logged_in_client, q="failing requests") == ["Upstream timeout"]


def test_a_phrase_in_quotes_matches_only_those_words_in_that_order(logged_in_client, index_all):
    IncidentFactory(title="Disk full on the primary")
    IncidentFactory(title="Full backup filled the disk")
    index_all()
    assert found(logged_in_client, q='"disk full"') == ["Disk full on the primary"]
    assert len(found(logged_in_client, q="disk full")) == 2
    assert found(logged_in_client, q="disk -primary") == ["Full backup filled the disk"]


def test_the_last_word_matches_as_a_prefix_while_typing(logged_in_client, index_all):
    IncidentFactory(title="Database failover", summary="")
    IncidentFactory(title="Cache eviction", summary="")
    index_all()
    assert found(logged_in_client, q="datab") == ["Database failover"]
    assert found(logged_in_client, q="database fail") == ["Database failover"]


def test_a_match_in_the_title_ranks_before_matches_elsewhere(logged_in_client, index_all):
    elsewhere = IncidentFactory(title="Checkout errors", summary="")
    for _ in range(3):
        TimelineEventFactory(incident=elsewhere, description="Kafka lag grew; kafka restarted")
    IncidentFactory(title="Kafka broker outage", summary="")
    index_all()
    assert found(logged_in_client, q="kafka") == ["Kafka broker outage", "Checkout errors"]


def test_snippets_come_from_ts_headline_and_name_their_field(logged_in_client, index_all):
    incident = IncidentFactory(title="Queue backlog", summary="Workers stalled on retries.")
    index_all()
    response = logged_in_client.get(reverse("search:results"), {"q": "stall"})
    [result] = response.context["results"]
    assert result.incident == incident
    assert [(s.label, str(s.html)) for s in result.snippets] == [
        ("Summary", "Workers <mark>stalled</mark> on retries.")
    ]


def test_the_incident_list_and_the_board_use_the_index(logged_in_client, index_all):
    incident = IncidentFactory(title="Replica failover", summary="")
    ActionItemFactory(incident=incident, title="Alert on lag")
    ActionItemFactory(title="Write runbooks")
    index_all()
    incidents = logged_in_client.get(reverse("incidents:list"), {"q": "failovers"})
    assert [i.title for i in incidents.context["page"]] == ["Replica failover"]
    board = logged_in_client.get(reverse("incidents:action_items"), {"q": "failovers"})
    assert "Alert on lag" in board.content.decode()
    board = logged_in_client.get(reverse("incidents:action_items"), {"q": "runbook"})
    assert "Write runbooks" in board.content.decode()
    assert "Alert on lag" not in board.content.decode()


def test_incidents_not_yet_indexed_are_matched_as_on_sqlite(logged_in_client):
    IncidentFactory(title="Written by a restore")
    assert not IncidentSearchDocument.objects.exists()
    assert found(logged_in_client, q="restore") == ["Written by a restore"]


def test_once_everything_is_indexed_the_search_uses_the_index_alone(logged_in_client, index_all):
    ActionItemFactory(title="Alert on replica lag", incident__title="Replica lag")
    index_all()
    with CaptureQueriesContext(connection) as queries:
        assert found(logged_in_client, q="replica") == ["Replica lag"]
        board = logged_in_client.get(reverse("incidents:action_items"), {"q": "replica"})
    assert "Alert on replica lag" in board.content.decode()
    # No icontains fallback ORed into the index match: that kept PostgreSQL off the index.
    assert not [q["sql"] for q in queries if "LIKE" in q["sql"] and "@@" in q["sql"]]


def test_many_incidents_not_yet_indexed_are_still_all_found(logged_in_client, monkeypatch):
    monkeypatch.setattr("search.matching.MAX_UNINDEXED", 1)
    IncidentFactory(title="Restored one")
    IncidentFactory(title="Restored two")
    assert sorted(found(logged_in_client, q="restored")) == ["Restored one", "Restored two"]


def test_an_edit_through_the_services_updates_the_index_after_commit(
    logged_in_client, django_capture_on_commit_callbacks
):
    actor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_create(
            actor=actor,
            data={"title": "Login errors", "started_at": "2026-03-01T10:00Z", "summary": ""},
        )
    assert found(logged_in_client, q="login") == ["Login errors"]
    assert IncidentSearchDocument.objects.filter(incident=incident).exists()

    incident = Incident.objects.get(pk=incident.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(
            incident=incident,
            actor=actor,
            data={"summary": "Session store evicted keys."},
            expected_version=incident.version,
        )
        services.action_item_create(
            incident=incident, actor=actor, data={"title": "Size the session store"}
        )
    assert found(logged_in_client, q="evicted") == ["Login errors"]
    assert found(logged_in_client, q="sizing") == ["Login errors"]
    assert ActionItem.objects.filter(incident=incident).count() == 1


def _narrative_edits(count: int) -> list[Incident]:
    actor = UserFactory()
    incidents = [IncidentFactory(title=f"Batch {n}") for n in range(count)]
    for incident in incidents:
        postmortem = postmortem_start(incident=incident)
        postmortem_update(
            postmortem=postmortem,
            actor=actor,
            data={"sections": {"went_wrong": "The pager was silent."}},
            expected_version=postmortem.version,
        )
    return incidents


def test_the_consumer_updates_a_batch_of_incidents_in_a_fixed_number_of_queries():
    _narrative_edits(1)
    with CaptureQueriesContext(connection) as one:
        assert events.handle_pending(SEARCH_INDEX).handled == 1
    incidents = _narrative_edits(10)
    with CaptureQueriesContext(connection) as ten:
        assert events.handle_pending(SEARCH_INDEX).handled == 10
    assert len(ten) == len(one)
    documents = IncidentSearchDocument.objects.filter(document="pager")
    assert set(incidents) <= {document.incident for document in documents}


def test_rebuild_search_index_indexes_every_incident(logged_in_client):
    IncidentFactory.create_batch(3, title="Restored from a backup")
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue().strip() == "Indexed 3 incidents."
    assert IncidentSearchDocument.objects.filter(document="backups").count() == 3
