"""Making an incident private never quietly hides it from the owners of its action items.

The edit form comes back with the owners who would lose sight and two choices; the API
answers 400 until the request says which (tests/api/test_api_stranded_owners.py).
"""

import pytest
from django.urls import reverse

from core.models import ChangeRecord
from incidents import services
from incidents.models import ActionItem, Incident
from incidents.permissions import can_view_incident
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    """A public incident: Bob owns two of its items, Carol one; Carol's team will be let in."""
    manager = UserFactory(username="manager", first_name="Mona", last_name="Manager")
    TeamFactory(manager=manager)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    carol = UserFactory(username="carol", first_name="Carol", last_name="Cole")
    carols_team = TeamFactory(name="Security", members=[carol])
    incident = IncidentFactory(title="Leaked keys", commander=manager)
    keys = ActionItemFactory(incident=incident, owner=bob, title="Rotate the keys")
    alert = ActionItemFactory(incident=incident, owner=bob, title="Alert on key use")
    audit = ActionItemFactory(incident=incident, owner=carol, title="Audit access")
    ActionItemFactory(incident=incident, owner=None, title="Nobody's yet")
    return {
        "manager": manager,
        "bob": bob,
        "carol": carol,
        "team": carols_team,
        "incident": incident,
        "bobs_items": [keys, alert],
        "audit": audit,
    }


def edit_data(client, incident: Incident, **changes) -> dict:
    """Return what the edit form posts as it is shown, with these changes typed in."""
    form = client.get(reverse("incidents:edit", args=[incident.pk])).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, False, ""):
            data[name] = value
    data.update(changes)
    return data


def make_private(client, case, **extra):
    client.force_login(case["manager"])
    data = edit_data(
        client,
        case["incident"],
        title="Leaked signing keys",
        is_private="on",
        allowed_teams=[case["team"].pk],
        **extra,
    )
    return client.post(reverse("incidents:edit", args=[case["incident"].pk]), data)


def owners(items) -> list:
    return [ActionItem.objects.get(pk=item.pk).owner for item in items]


def test_making_it_private_is_refused_naming_the_owners_who_would_lose_sight(client, case):
    changes_before = ChangeRecord.objects.count()
    response = make_private(client, case)
    assert response.status_code == 200
    html = response.content.decode()
    warning = html[html.index('id="stranded-owners"') : html.index("</ul>", html.index("stranded"))]
    assert "Nothing is saved yet." in warning
    assert "<strong>Bob Builder</strong> (bob): ‘Rotate the keys’, ‘Alert on key use’" in warning
    assert "Carol" not in warning  # her team is let in: she keeps sight
    assert 'value="allow">Also let them see it</button>' in html
    assert 'value="unassign">Save and leave their items without an owner</button>' in html
    # The manager's input is intact in the form.
    assert 'value="Leaked signing keys"' in html
    assert response.context["form"]["is_private"].value() is True
    # Nothing was written.
    incident = Incident.objects.get(pk=case["incident"].pk)
    assert (incident.title, incident.is_private, incident.version) == ("Leaked keys", False, 1)
    assert not incident.allowed_teams.exists()
    assert ChangeRecord.objects.count() == changes_before
    assert owners(case["bobs_items"]) == [case["bob"], case["bob"]]


def test_also_let_them_see_it_adds_them_to_the_people_who_may_see_it(client, case):
    response = make_private(client, case, stranded_owners="allow")
    assert response.status_code == 302
    incident = Incident.objects.get(pk=case["incident"].pk)
    assert (incident.title, incident.is_private) == ("Leaked signing keys", True)
    assert list(incident.allowed_users.all()) == [case["bob"]]
    assert can_view_incident(case["bob"], incident)
    assert owners(case["bobs_items"]) == [case["bob"], case["bob"]]
    change = incident.changes.filter(action=ChangeRecord.Action.UPDATED).get()
    assert change.changes["allowed_users"] == ["", "Bob Builder"]
    # Bob still finds his items on his board.
    client.force_login(case["bob"])
    board = client.get(reverse("incidents:action_items"), {"mine": "on"}).content.decode()
    assert "Rotate the keys" in board and "Alert on key use" in board


def test_leaving_their_items_without_an_owner_unassigns_them_in_the_history(client, case):
    response = make_private(client, case, stranded_owners="unassign")
    assert response.status_code == 302
    incident = Incident.objects.get(pk=case["incident"].pk)
    assert incident.is_private and not incident.allowed_users.exists()
    assert not can_view_incident(case["bob"], incident)
    assert owners(case["bobs_items"]) == [None, None]
    assert ActionItem.objects.get(pk=case["audit"].pk).owner == case["carol"]  # still sees it
    notes = incident.changes.filter(changes__has_key="owner")
    assert sorted(c.changes["owner"][0] for c in notes) == ["Bob Builder", "Bob Builder"]
    assert {c.note for c in notes} == {"Bob Builder may no longer see this private incident"}
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Bob Builder may no longer see this private incident" in page
    # The manager's board shows them unowned.
    board = client.get(reverse("incidents:action_items"), {"q": f"INC-{incident.pk}"})
    rows = {item.title: item.owner for item in board.context["page"].object_list}
    assert rows["Rotate the keys"] is None and rows["Alert on key use"] is None


def test_removing_an_owner_from_the_people_allowed_is_refused_too(case):
    incident, bob = case["incident"], case["bob"]
    incident.is_private = True
    incident.save()
    incident.allowed_users.add(bob, case["carol"])
    with pytest.raises(services.StrandedOwnersError) as refused:
        services.incident_update(
            incident=incident,
            actor=case["manager"],
            data={"allowed_users": [case["carol"]]},
            expected_version=incident.version,
        )
    assert refused.value.owners == [bob]
    assert [item.title for item in refused.value.items] == ["Rotate the keys", "Alert on key use"]
    assert set(Incident.objects.get(pk=incident.pk).allowed_users.all()) == {bob, case["carol"]}


def test_items_already_out_of_their_owners_sight_do_not_block_other_edits(case):
    incident = case["incident"]
    incident.is_private = True  # as before this rule: Bob already cannot see it
    incident.save()
    incident.allowed_teams.add(case["team"])
    services.incident_update(
        incident=incident,
        actor=case["manager"],
        data={"title": "Leaked keys, rotated"},
        expected_version=incident.version,
    )
    assert Incident.objects.get(pk=incident.pk).title == "Leaked keys, rotated"
