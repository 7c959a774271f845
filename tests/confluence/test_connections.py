"""A team's manager connects a Confluence space; the token is kept encrypted, never shown."""

import pytest
from django.urls import reverse

from confluence.models import ConfluenceConnection, ConfluenceDelivery
from tests.confluence.conftest import make_connection
from tests.confluence.fakes import EMAIL, TOKEN
from tests.factories import IncidentFactory, PostmortemFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(confluence, **changes) -> dict:
    return {
        "site_url": f"{confluence.site}/wiki/spaces/ENG/overview",
        "email": EMAIL,
        "space_key": "ENG",
        "parent_page_id": f"{confluence.site}/wiki/spaces/ENG/pages/1000/Postmortems",
        "token": TOKEN,
        **changes,
    }


def test_a_manager_connects_a_space_and_the_check_says_where_pages_go(
    client, manager, team, confluence
):
    client.force_login(manager)
    response = client.post(
        reverse("confluence:create"), {"team": team.pk, **form_data(confluence)}, follow=True
    )
    page = response.content.decode()
    assert "Connected to the space ENG; pages go under “Postmortems”." in page
    connection = ConfluenceConnection.objects.get()
    assert connection.site_url == confluence.site and connection.parent_page_id == "1000"
    assert connection.space_id == "98304" and connection.last_check_ok
    assert connection.token == TOKEN and TOKEN not in connection.token_encrypted
    assert TOKEN not in page


def test_a_space_that_is_not_there_is_said_plainly(client, manager, team, confluence):
    client.force_login(manager)
    response = client.post(
        reverse("confluence:create"),
        {"team": team.pk, **form_data(confluence, space_key="OPS")},
        follow=True,
    )
    assert "Confluence has no space with the key OPS" in response.content.decode()
    assert ConfluenceConnection.objects.get().last_check_ok is False


def test_an_empty_token_keeps_the_saved_one(client, manager, connection, confluence):
    client.force_login(manager)
    data = form_data(confluence, token="", space_key="ENG")
    client.post(reverse("confluence:edit", args=[connection.pk]), data)
    connection.refresh_from_db()
    assert connection.token == TOKEN and connection.last_check_ok


def test_a_parent_that_is_not_a_page_is_refused(client, manager, team, confluence):
    client.force_login(manager)
    response = client.post(
        reverse("confluence:create"),
        {"team": team.pk, **form_data(confluence, parent_page_id="the postmortems page")},
    )
    assert "Give the parent page&#x27;s URL, or its ID" in response.content.decode()
    assert not ConfluenceConnection.objects.exists()


def test_the_list_and_the_connection_page_take_a_fixed_number_of_queries(
    client, manager, confluence, django_assert_max_num_queries
):
    manager.is_superuser = True
    manager.save()
    for n in range(4):
        connection = make_connection(
            TeamFactory(name=f"Team {n}", manager=manager), confluence.site
        )
        for _ in range(3):
            postmortem = PostmortemFactory(incident=IncidentFactory(team=connection.team))
            ConfluenceDelivery.objects.create(
                postmortem=postmortem, connection=connection, status="failed", reason="No."
            )
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("confluence:list")).content.decode()
    assert page.count("Team ") >= 4
    with django_assert_max_num_queries(12):
        page = client.get(connection.get_absolute_url()).content.decode()
    assert page.count("<td>No.</td>") == 3


def test_another_teams_manager_may_not_see_the_connection(client, connection):
    other = UserFactory(username="other-lead")
    TeamFactory(name="Other", manager=other)
    client.force_login(other)
    assert client.get(connection.get_absolute_url()).status_code == 403
