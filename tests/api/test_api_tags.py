"""The API never names a tag only private incidents hidden from the requester use."""

import pytest

from tests.incidents.test_tag_visibility import HIDDEN, SECRET, SECRET_ON_CAUSE, SEEN_BY_ALL
from tests.incidents.test_tag_visibility import world as world  # the same incidents and tags

pytestmark = pytest.mark.django_db


def test_the_api_lists_only_the_tags_the_requester_may_see(world, api_client_for):
    outsider = api_client_for(world["outsider"]).get("/api/v1/tags/?page_size=200")
    insider = api_client_for(world["insider"]).get("/api/v1/tags/?page_size=200")
    assert {row["name"] for row in outsider.json()["results"]} == set(SEEN_BY_ALL)
    assert {row["name"] for row in insider.json()["results"]} == {*SEEN_BY_ALL, *HIDDEN}
    assert SECRET not in outsider.content.decode()


def test_a_hidden_tag_is_a_404_in_the_api_for_an_outsider_only(world, api_client_for):
    secret = world["tags"][SECRET_ON_CAUSE].pk
    outsider = api_client_for(world["outsider"]).get(f"/api/v1/tags/{secret}/")
    insider = api_client_for(world["insider"]).get(f"/api/v1/tags/{secret}/")
    assert outsider.status_code == 404
    assert SECRET_ON_CAUSE not in outsider.content.decode()
    assert (insider.status_code, insider.json()["name"]) == (200, SECRET_ON_CAUSE)


def test_the_api_filters_refuse_a_hidden_tag_as_one_that_does_not_exist(world, api_client_for):
    client = api_client_for(world["outsider"])
    secret = world["tags"][SECRET].pk
    for path in ("/api/v1/incidents/", "/api/v1/action-items/"):
        hidden = client.get(path, {"tag": secret})
        missing = client.get(path, {"tag": 999_999})
        assert (hidden.status_code, missing.status_code) == (400, 400)
        assert hidden.json() == {
            key: [text.replace("999999", str(secret)) for text in value]
            for key, value in missing.json().items()
        }
    insider = api_client_for(world["insider"]).get("/api/v1/incidents/", {"tag": secret})
    assert [row["title"] for row in insider.json()["results"]] == ["Private one"]
