"""Malformed bodies and parameters answer 400 naming the field, and change nothing."""

import pytest

from postmortems.models import PostmortemSection
from tests.factories import IncidentFactory, PostmortemFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return UserFactory(username="manager", is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    ("section", "missing"),
    [({"body": "Rewritten"}, "key"), ({"key": "summary"}, "body"), ({}, "key")],
)
def test_a_postmortem_section_without_its_key_or_body_is_refused_by_name(
    manager, api_client_for, section, missing
):
    postmortem = PostmortemFactory(incident=IncidentFactory(commander=manager), authors=[manager])
    before = list(PostmortemSection.objects.values_list("key", "body"))

    response = api_client_for(manager).patch(
        f"/api/v1/postmortems/{postmortem.pk}/", {"sections": [section]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["sections"]["0"][missing] == ["This field is required."]
    assert list(PostmortemSection.objects.values_list("key", "body")) == before


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("/api/v1/timeline-events/", "incident", "99999999999999999999"),
        ("/api/v1/causes/", "incident", "-1"),
        ("/api/v1/reviews/", "postmortem", "99999999999999999999"),
        ("/api/v1/reviews/", "postmortem", "false"),
        ("/api/v1/incidents/", "team", "99999999999999999999"),
        ("/api/v1/action-items/", "due_within", "99999999999999999999"),
        ("/api/v1/incidents/", "page_size", "null"),
        ("/api/v1/incidents/", "page_size", "500"),
    ],
)
def test_a_list_parameter_out_of_range_or_malformed_is_refused_by_name(
    manager, api_client_for, path, parameter, value
):
    response = api_client_for(manager).get(path, {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()


def test_a_single_valued_parameter_given_twice_is_refused(manager, api_client_for):
    response = api_client_for(manager).get("/api/v1/incidents/?status=open&status=resolved")

    assert response.status_code == 400
    assert "status" in response.json()


def test_a_filter_that_takes_many_may_be_repeated(manager, api_client_for):
    response = api_client_for(manager).get("/api/v1/action-items/?severity=SEV1&severity=SEV2")

    assert response.status_code == 200


def test_an_empty_parameter_is_as_if_not_given(manager, api_client_for):
    event = TimelineEventFactory()

    response = api_client_for(manager).get("/api/v1/timeline-events/?incident=&page_size=")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [event.pk]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/api/v1/action-items/", "overdue"), ("/api/v1/comment-threads/", "resolved")],
)
def test_a_boolean_filter_given_a_word_that_is_not_true_or_false_is_refused(
    manager, api_client_for, path, parameter
):
    response = api_client_for(manager).get(path, {parameter: "ture"})

    assert response.status_code == 400
    assert response.json()[parameter] == ["Give true or false."]
