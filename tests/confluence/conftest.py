import pytest

from confluence.models import ConfluenceConnection
from postmortems import services
from postmortems.models import Postmortem
from tests.confluence.fakes import EMAIL, PARENT_ID, SPACE_KEY, TOKEN, FakeConfluence
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)


@pytest.fixture
def confluence(httpserver):
    return FakeConfluence(httpserver)


@pytest.fixture
def manager(db):
    return UserFactory(username="payments-lead")


@pytest.fixture
def team(manager):
    return TeamFactory(name="Payments", manager=manager)


def make_connection(team, site: str, token: str = TOKEN, **fields) -> ConfluenceConnection:
    connection = ConfluenceConnection(
        team=team, site_url=site, email=EMAIL, space_key=SPACE_KEY,
        parent_page_id=PARENT_ID, **fields,
    )  # fmt: skip
    connection.set_token(token)
    connection.save()
    return connection


@pytest.fixture
def connection(team, confluence):
    return make_connection(team, confluence.site)


def publish(postmortem: Postmortem) -> Postmortem:
    """Publish the postmortem the way people do: submit, approve, publish."""
    reviewer = postmortem.reviewers.first()
    postmortem.refresh_from_db()
    if postmortem.status == Postmortem.Status.DRAFT:
        services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    services.postmortem_review(postmortem=postmortem, actor=reviewer, decision="approve")
    postmortem.refresh_from_db()
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    return postmortem


@pytest.fixture
def postmortem(team):
    """A postmortem in review of a team's incident in Berlin's zone, with entries and items."""
    incident = IncidentFactory(team=team, title="Checkout down", time_zone="Europe/Berlin")
    TimelineEventFactory(incident=incident, description="Error rate alert fired <b>& paged</b>")
    ActionItemFactory(
        incident=incident, title="Alert on replica lag", owner=UserFactory(username="olivia")
    )
    return PostmortemFactory(
        incident=incident,
        reviewers=[UserFactory(username="rita")],
        sections={
            "trigger": "A deploy with a bad *config*.<br>Line two & more\n\n![chart](/media/x.png)"
        },
    )
