import pytest

from tests.factories import TeamFactory, UserFactory
from webhooks.models import WebhookEndpoint, WebhookEvent


@pytest.fixture
def team(db):
    return TeamFactory(name="Payments", manager=UserFactory(username="payments-lead"))


@pytest.fixture
def make_endpoint(team):
    def make(url: str = "https://hooks.example.com/in", events=None, **fields):
        return WebhookEndpoint.objects.create(
            team=fields.pop("team", team),
            url=url,
            events=list(WebhookEvent.values) if events is None else events,
            **fields,
        )

    return make
