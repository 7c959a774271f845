"""Fixtures for every test, and how `make test` runs them: in parallel, nothing skipped in CI.

`make test` runs pytest-xdist workers (scripts/test.sh), each on a database of its own
(pytest-django names them test_<name>_gw0, _gw1, ...). The browser tests and the tests with a
real Celery worker each stay together on one xdist worker (their `xdist_group`), in order and
never beside a test of their own kind, while the other workers take the unit tests.
"""

import os
from pathlib import Path

import pytest
from pytest_factoryboy import register

from tests import factories, hypothesis_profiles

IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests: a quick pass while developing, the full number of examples in CI.
hypothesis_profiles.load()

TESTS = Path(__file__).resolve().parent
# Folders whose tests share something they cannot share with a test of their own kind
# running beside them (one chromium per process; Celery workers, beat and SMTP servers that
# load the machine): each folder runs on one xdist worker, in order.
GROUPS = {"browser": TESTS / "browser", "integration": TESTS / "integration"}

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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    grouped = []
    for item in items:
        # A transactional test empties every table when it ends, the rows the migrations
        # made (the built-in templates, ...) too; the tests after it on the same xdist
        # worker need them back, whatever order the workers get their tests in.
        # Their rows are put back as each such test ends (pytest_runtest_teardown below).
        if is_transactional(item):
            marker = item.get_closest_marker("django_db")
            args, kwargs = (marker.args, marker.kwargs) if marker else ((), {})
            kwargs = {**kwargs, "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)
        path = Path(str(item.path))
        group = next((g for g, folder in GROUPS.items() if path.is_relative_to(folder)), None)
        if group is None:
            group = next((g for g in GROUPS if item.get_closest_marker(g)), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            grouped.append(item)
    if hasattr(config, "workerinput"):
        # The long groups first: each starts at once on a worker of its own, and the unit
        # tests fill in around them (xdist hands out work in collection order).
        first = set(grouped)
        items[:] = grouped + [item for item in items if item not in first]


def is_transactional(item):
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool(TRANSACTIONAL_FIXTURES.intersection(getattr(item, "fixturenames", ())))


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back the rows the migrations made once a transactional test has emptied the tables.

    Django restores them when the next serialized transactional test starts, not when one
    ends: an ordinary test run after it on the same worker would find no content types and
    no built-in templates (and a content type id cached in this process pointing at nothing).
    """
    yield
    # After the last test the session's fixtures have already dropped the test database.
    # A transactional test next puts the rows back itself (serialized_rollback, set for every
    # one of them above): doing it here too cost a quarter second per browser and worker test.
    if nextitem is None or not is_transactional(item) or is_transactional(nextitem):
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)
                connection.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: CI must prove everything, a skip proves nothing."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be skipped: {reason}"


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
