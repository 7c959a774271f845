"""The incident page asks the same number of queries however many rows each panel shows.

One test per panel: the panel is filled with one row, then with thirty more, and the page
(for a reader and for an editor, whose page has forms and row buttons) must not ask one
query more. A panel added later gets its own case here.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ChangeRecord
from incidents.models import Incident, TrackerIssue
from search.models import RecurrenceLink
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    TagFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MORE = 30
# The most the whole page may ask, every panel full: the session and user, the viewer's
# private incidents, the incident with its postmortem and authors, the manager check, the rows
# of each panel and the history. An editor's page has the add forms too (their pickers'
# choices). The similar incidents, which the page loads after itself, have their own bound:
# session and user, the viewer's private incidents, the incident with its services, tags and
# causes, the links, the candidates with their rows and shared tags, whether the viewer may
# mark one (manager, postmortem, authors).
PAGE_BOUND = {"reader": 20, "editor": 24}
SIMILAR_BOUND = 18


def _header(incident: Incident, n: int) -> None:
    """Services, tags and the people and teams a private incident is shown to."""
    incident.services.add(ServiceFactory())
    incident.tags.add(TagFactory())
    incident.allowed_users.add(UserFactory())
    incident.allowed_teams.add(TeamFactory())


def _timeline(incident: Incident, n: int) -> None:
    TimelineEventFactory(
        incident=incident,
        author=UserFactory(),
        occurred_at=incident.started_at + timedelta(minutes=n),
        description=f"Step **{n}** of the outage.",
    )


def _causes(incident: Incident, n: int) -> None:
    """A cause with a tag and the action item addressing it."""
    cause = CauseFactory(incident=incident, description=f"Cause {n}")
    cause.tags.add(TagFactory())
    item = ActionItemFactory(incident=incident, owner=UserFactory(), kind="prevent")
    item.causes.add(cause)


def _action_items(incident: Incident, n: int) -> None:
    """An owned item with a tracker issue, addressing one of the incident's causes."""
    item = ActionItemFactory(incident=incident, owner=UserFactory())
    TrackerIssue.objects.create(
        action_item=item, kind="github", key=f"acme/web#{n}", state="open",
        url=f"https://github.com/acme/web/issues/{n}",
    )  # fmt: skip
    item.causes.add(CauseFactory(incident=incident))


def _similar(incident: Incident, n: int) -> None:
    """An earlier incident on the same service, with an open item and a "same root cause" link.

    Only five are shown, but every one is a candidate the query ranks.
    """
    other = IncidentFactory(
        started_at=incident.started_at - timedelta(days=n + 1),
        services=list(incident.services.all()),
    )
    ActionItemFactory(incident=other, owner=UserFactory())
    CauseFactory(incident=other, category="configuration")
    RecurrenceLink.objects.create(incident=incident, same_as=other, created_by=UserFactory())


def _history(incident: Incident, n: int) -> None:
    """A change by someone, and a link to a private incident recorded in the history."""
    ChangeRecord.objects.create(
        incident=incident,
        actor=UserFactory(),
        action=ChangeRecord.Action.UPDATED,
        object_type="incident",
        object_repr=incident.title,
        event="incident.updated",
        note=f"change {n}",
    )
    hidden = IncidentFactory(is_private=True)
    ChangeRecord.objects.create(
        incident=incident,
        actor=UserFactory(),
        action=ChangeRecord.Action.CREATED,
        object_type="incident",
        object_repr=hidden.title,
        event="recurrence.linked",
        target_id=hidden.pk,
    )


PANELS: dict[str, Callable[[Incident, int], None]] = {
    "header": _header,
    "timeline": _timeline,
    "causes": _causes,
    "action_items": _action_items,
    "similar": _similar,
    "history": _history,
}


def _incident() -> Incident:
    """A private incident with a postmortem, a cause category and a service to be alike by."""
    incident = IncidentFactory(is_private=True, services=[ServiceFactory()])
    PostmortemFactory(incident=incident, authors=[UserFactory()], reviewers=[UserFactory()])
    CauseFactory(incident=incident, category="configuration")
    return incident


def _viewer(incident: Incident, who: str):
    if who == "editor":
        return incident.commander
    reader = UserFactory()
    incident.allowed_users.add(reader)
    return reader


def _page_and_panel(client, incident: Incident) -> tuple[int, int, str]:
    """The queries of the page and of the similar incidents it loads after itself, and what
    a reader sees of both."""
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(incident.get_absolute_url())
    with CaptureQueriesContext(connection) as panel_queries:
        similar = client.get(reverse("search:similar", args=[incident.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == similar.status_code == 200
    content = page.content.decode() + similar.content.decode()
    return len(page_queries), len(panel_queries), content


@pytest.mark.parametrize("who", ["reader", "editor"])
@pytest.mark.parametrize("panel", list(PANELS))
def test_a_panel_with_many_rows_asks_no_more_queries_than_with_one(
    client, settings, panel, who, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0  # every request renders the whole page
    fill = PANELS[panel]
    incident = _incident()
    client.force_login(_viewer(incident, who))
    fill(incident, 0)
    page_one, panel_one, _ = _page_and_panel(client, incident)
    for n in range(1, MORE + 1):
        fill(incident, n)
    page_many, panel_many, _ = _page_and_panel(client, incident)
    assert page_many <= page_one and panel_many <= panel_one, (
        f"{panel}: {page_one}+{panel_one} queries with one row, {page_many}+{panel_many} with many"
    )
    assert page_one <= PAGE_BOUND[who], f"{page_one} queries for the {panel} panel with one row"
    assert panel_one <= SIMILAR_BOUND, f"{panel_one} queries for the similar incidents"


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_the_full_page_shows_every_panels_rows_within_the_bound(
    client, settings, who, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    incident = _incident()
    client.force_login(_viewer(incident, who))
    for n in range(MORE):
        for fill in PANELS.values():
            fill(incident, n)
    page_queries, panel_queries, page = _page_and_panel(client, incident)
    assert page_queries <= PAGE_BOUND[who] and panel_queries <= SIMILAR_BOUND
    assert page.count('id="event-') == MORE
    assert page.count('class="card similar-incident"') == 5
    assert page.count("acme/web#") == MORE
    assert "Step <strong>29</strong> of the outage." in page
