"""Every page or download that lists rows runs the same queries for 3 rows as for 30.

The incident list, incident page, document, board and dashboard have their own tests next
to their features; this file covers the other lists: the CSV export, the calendar feed, the
review page and the document downloads.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    ReviewFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # streamed bodies query as they are read
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def owner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _grow(owner, count):
    incident = IncidentFactory(team=TeamFactory())
    postmortem = PostmortemFactory(incident=incident, authors=[UserFactory()])
    for _ in range(count):
        ActionItemFactory(owner=owner, incident=IncidentFactory(team=TeamFactory()))
        ActionItemFactory(incident=incident, owner=UserFactory())
        TimelineEventFactory(incident=incident, author=UserFactory())
        ReviewFactory(postmortem=postmortem, reviewer=UserFactory())
    return incident


@pytest.mark.parametrize(
    "url_for",
    [
        lambda incident, owner: reverse("incidents:action_items_csv"),
        lambda incident, owner: reverse("incidents:calendar_feed", args=[owner.calendar_token]),
        lambda incident, owner: reverse("postmortems:review", args=[incident.pk]),
        lambda incident, owner: reverse("postmortems:export", args=[incident.pk, "md"]),
        lambda incident, owner: reverse("postmortems:export", args=[incident.pk, "html"]),
        lambda incident, owner: reverse("postmortems:export", args=[incident.pk, "json"]),
    ],
    ids=["csv", "calendar", "review", "export-md", "export-html", "export-json"],
)
def test_query_count_does_not_grow_with_rows(client, owner, url_for, django_assert_max_num_queries):
    small = _grow(owner, 3)
    baseline = _queries(client, url_for(small, owner))
    large = _grow(owner, 30)
    with django_assert_max_num_queries(baseline):
        _queries(client, url_for(large, owner))
