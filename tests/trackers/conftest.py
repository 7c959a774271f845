import pytest

from incidents.models import TrackerIssue
from tests.factories import ActionItemFactory, IncidentFactory, TeamFactory, UserFactory
from tests.trackers.fakes import FakeGitHub, FakeJira
from trackers.models import TrackerConnection

GITHUB_TOKEN = "github_pat_11ABCDEFG0123456789_secretpart"
JIRA_TOKEN = "ATATT3xFfGF0-jira-api-token-secret"


@pytest.fixture
def github(httpserver):
    return FakeGitHub(httpserver)


@pytest.fixture
def jira(httpserver):
    return FakeJira(httpserver)


@pytest.fixture
def manager(db):
    return UserFactory(username="payments-lead")


@pytest.fixture
def team(manager):
    return TeamFactory(name="Payments", manager=manager)


def make_connection(team, **fields) -> TrackerConnection:
    token = fields.pop("token")
    secret = fields.pop("webhook_secret", "hook-secret")
    connection = TrackerConnection(team=team, **fields)
    connection.set_token(token)
    connection.set_webhook_secret(secret)
    connection.save()
    return connection


@pytest.fixture
def github_connection(team, github):
    return make_connection(
        team, kind=TrackerIssue.Kind.GITHUB, github_repository=github.repo,
        github_api_url=github.api_url, token=GITHUB_TOKEN,
    )  # fmt: skip


@pytest.fixture
def jira_connection(team, jira):
    return make_connection(
        team, kind=TrackerIssue.Kind.JIRA, jira_site_url=jira.site, jira_project_key="OPS",
        jira_email="bot@example.com", token=JIRA_TOKEN,
    )  # fmt: skip


@pytest.fixture
def item(team):
    incident = IncidentFactory(team=team, title="Checkout down")
    return ActionItemFactory(
        incident=incident, title="Alert on replica lag", description="Page at 30 s of lag.",
        owner=UserFactory(username="olivia"),
    )  # fmt: skip
