"""List filters: an incident's rows by id or reference, and unknown parameters refused."""

import pytest

from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    ReviewFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


ROWS = {
    "/api/v1/timeline-events/": lambda incident: TimelineEventFactory(incident=incident),
    "/api/v1/causes/": lambda incident: CauseFactory(incident=incident),
    "/api/v1/action-items/": lambda incident: ActionItemFactory(incident=incident),
    "/api/v1/reviews/": lambda incident: ReviewFactory(
        postmortem=PostmortemFactory(incident=incident)
    ),
}


@pytest.mark.parametrize("path", ROWS)
@pytest.mark.parametrize("named", [lambda pk: str(pk), lambda pk: f"INC-{pk}"])
def test_a_list_of_rows_keeps_those_of_the_incident_named_by_id_or_reference(
    path, named, alice, api_client_for
):
    wanted, other = IncidentFactory(), IncidentFactory()
    row = ROWS[path](wanted)
    ROWS[path](other)

    response = api_client_for(alice).get(path, {"incident": named(wanted.pk)})

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [row.pk]


@pytest.mark.parametrize("path", ROWS)
def test_an_incident_filter_that_names_no_incident_is_refused_with_the_reason(
    path, alice, api_client_for
):
    response = api_client_for(alice).get(path, {"incident": "checkout"})

    assert response.status_code == 400
    assert response.json()["incident"] == ["Give the incident's id (12) or its reference (INC-12)."]


def test_a_private_incidents_rows_stay_hidden_when_filtered_by_it(alice, api_client_for):
    private = IncidentFactory(is_private=True)
    TimelineEventFactory(incident=private)

    response = api_client_for(alice).get(
        "/api/v1/timeline-events/", {"incident": f"INC-{private.pk}"}
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("/api/v1/action-items/", "incident"),
        ("/api/v1/incidents/", "severity"),
        ("/api/v1/teams/", "page_size"),
    ],
)
def test_an_unknown_filter_is_refused_naming_the_parameters_the_list_takes(
    path, accepted, alice, api_client_for
):
    ActionItemFactory()

    response = api_client_for(alice).get(path, {"incidnet": "3"})

    assert response.status_code == 400
    message = response.json()["incidnet"][0]
    assert "no parameter incidnet" in message
    assert accepted in message and "cursor" in message


def test_paging_and_format_parameters_are_still_accepted(alice, api_client_for):
    IncidentFactory.create_batch(3)
    client = api_client_for(alice)

    first = client.get("/api/v1/incidents/", {"page_size": 2, "format": "json"})
    second = client.get(first.json()["next"])

    assert first.status_code == 200 and second.status_code == 200
    assert len(second.json()["results"]) == 1


def test_the_schema_documents_the_incident_filter_of_each_row_list(alice, client):
    client.force_login(alice)

    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    for path in ROWS:
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "INC-12" in parameters["incident"]["description"]
