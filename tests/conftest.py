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
def mailoutbox(mailoutbox, request):
    """Return Django's test outbox, the list mail goes to during the test.

    pytest-django's fixture returns mail.outbox as it is when the fixture runs; when the
    database fixture runs after it (a test asking for `mailoutbox` before a fixture that needs
    `db`), Django's TestCase._pre_setup() replaces mail.outbox with a new list, and the
    fixture's list stays empty (pytest-django#589). Set the database up first, then return
    the list mail is sent to.
    """
    if "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")
    from django.core import mail

    return mail.outbox


@pytest.fixture
def logged_in_client(client, user_factory):
    """Return a test client logged in as a fresh user (available as client.user)."""
    user = user_factory()
    client.force_login(user)
    client.user = user
    return client
