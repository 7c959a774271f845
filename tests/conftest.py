import pytest
from pytest_factoryboy import register

from tests import factories

for _factory in (
    factories.UserFactory,
    factories.TeamFactory,
    factories.ServiceFactory,
    factories.IncidentFactory,
    factories.TimelineEventFactory,
    factories.CauseFactory,
    factories.ActionItemFactory,
    factories.PostmortemFactory,
    factories.ReviewFactory,
):
    register(_factory)


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: the database is rolled back, the cache is not."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def logged_in_client(client, user_factory):
    """Return a test client logged in as a fresh user (available as client.user)."""
    user = user_factory()
    client.force_login(user)
    client.user = user
    return client
