from datetime import UTC, datetime

import pytest

from chat import clients
from tests.chat.fakes import FakeMattermost, FakeSlack
from tests.factories import IncidentFactory, TeamFactory, UserFactory

START = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def slack(httpserver, settings):
    fake = FakeSlack(httpserver)
    settings.SLACK_API_URL = fake.api_url
    return fake


@pytest.fixture
def mattermost(httpserver):
    return FakeMattermost(httpserver)


@pytest.fixture
def waits(monkeypatch):
    """The Retry-After waits the clients made, in seconds (none of them really slept)."""
    slept: list[float] = []
    monkeypatch.setattr(clients, "sleep", slept.append)
    return slept


@pytest.fixture
def author(db):
    return UserFactory(username="ana", email="ana@example.com")


@pytest.fixture
def team(author):
    return TeamFactory(name="Payments", members=[author])


@pytest.fixture
def incident(team, author):
    # 09:00 to 11:00 UTC, shown in Paris (10:00 to 12:00).
    return IncidentFactory(
        team=team, title="Checkout down", commander=author, started_at=START,
        time_zone="Europe/Paris",
    )  # fmt: skip
