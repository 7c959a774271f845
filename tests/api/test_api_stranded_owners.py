"""The API refuses to hide an incident from its items' owners unless told what to do."""

import pytest

from core.models import ChangeRecord
from incidents.models import ActionItem, Incident
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    manager = UserFactory(username="manager")
    TeamFactory(manager=manager)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    incident = IncidentFactory(title="Leaked keys", commander=manager)
    item = ActionItemFactory(incident=incident, owner=bob, title="Rotate the keys")
    return {"manager": manager, "bob": bob, "incident": incident, "item": item}


def patch(api_client_for, case, **body):
    client = api_client_for(case["manager"])
    url = f"/api/v1/incidents/{case['incident'].pk}/"
    return client.patch(url, {"is_private": True, **body}, format="json")


def test_making_it_private_is_refused_naming_the_owners_and_nothing_is_saved(case, api_client_for):
    changes_before = ChangeRecord.objects.count()
    response = patch(api_client_for, case, title="Leaked signing keys")
    assert response.status_code == 400
    body = response.json()
    assert "Bob Builder (bob): ‘Rotate the keys’" in body["stranded_owners"][0]
    assert '"allow" or "unassign"' in body["stranded_owners"][0]
    assert body["stranded_items"] == [
        {"id": case["item"].pk, "title": "Rotate the keys", "owner": case["bob"].pk,
         "owner_username": "bob"}
    ]  # fmt: skip
    incident = Incident.objects.get(pk=case["incident"].pk)
    assert (incident.title, incident.is_private, incident.version) == ("Leaked keys", False, 1)
    assert ChangeRecord.objects.count() == changes_before


def test_allow_lets_the_owners_see_it(case, api_client_for):
    response = patch(api_client_for, case, stranded_owners="allow")
    assert response.status_code == 200
    assert response.json()["is_private"] is True
    assert response.json()["allowed_users"] == [case["bob"].pk]
    assert "stranded_owners" not in response.json()
    assert ActionItem.objects.get(pk=case["item"].pk).owner == case["bob"]
    bobs = api_client_for(case["bob"]).get(f"/api/v1/action-items/{case['item'].pk}/")
    assert bobs.status_code == 200


def test_unassign_leaves_their_items_without_an_owner(case, api_client_for):
    response = patch(api_client_for, case, stranded_owners="unassign")
    assert response.status_code == 200
    assert response.json()["allowed_users"] == []
    assert ActionItem.objects.get(pk=case["item"].pk).owner is None
    change = case["incident"].changes.get(changes__has_key="owner")
    assert change.changes["owner"] == ["Bob Builder", ""]
    bobs = api_client_for(case["bob"]).get(f"/api/v1/action-items/{case['item'].pk}/")
    assert bobs.status_code == 404


def test_an_unknown_choice_is_refused_by_name(case, api_client_for):
    response = patch(api_client_for, case, stranded_owners="ignore")
    assert response.status_code == 400
    assert "stranded_owners" in response.json()
    assert Incident.objects.get(pk=case["incident"].pk).is_private is False
