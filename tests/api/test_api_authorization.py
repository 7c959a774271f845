"""Who gets what on every operation of the API: one row per operation, one column per role.

The rows ask the same permission functions as the browser (tests/test_authorization.py).
An operation added to the schema without a row here fails test_every_operation_has_a_row.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from postmortems.collaboration import comments
from postmortems.models import Postmortem, Review
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)
from tests.refusals import writes

# A token's last use is the request's own bookkeeping, written whether it is refused or not.
BOOKKEEPING = ('"django_session"', '"api_apitoken"')

ROLES = ("anonymous", "reader", "author", "reviewer", "manager", "other_team")


@dataclass
class World:
    users: dict[str, Any]
    incident: Any
    postmortem: Any
    event: Any
    cause: Any
    item: Any


def make_world() -> World:
    author = UserFactory(username="api-author")
    reviewer = UserFactory(username="api-reviewer")
    reader = UserFactory(username="api-reader")
    manager = UserFactory(username="api-manager", is_staff=True, is_superuser=True)
    outsider = UserFactory(username="api-other-team")
    team = TeamFactory(name="Owning team", manager=manager, members=[author, reviewer, reader])
    TeamFactory(name="Another team", manager=UserFactory(), members=[outsider])
    incident = IncidentFactory(team=team, commander=author)
    postmortem = PostmortemFactory(incident=incident, authors=[author], reviewers=[reviewer])
    users = {
        "anonymous": None,
        "reader": reader,
        "author": author,
        "reviewer": reviewer,
        "manager": manager,
        "other_team": outsider,
    }
    return World(
        users=users,
        incident=incident,
        postmortem=postmortem,
        event=TimelineEventFactory(incident=incident),
        cause=CauseFactory(incident=incident),
        item=ActionItemFactory(incident=incident),
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Make the world once per module, in a transaction rolled back at the module's end.

    Each case's own transaction (the `db` fixture) is a savepoint inside this one, so what a
    case changes (its setup, its request) is undone before the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(db, built_world) -> World:
    """Return the shared world, read afresh: an earlier case may have changed the objects."""

    def fresh(obj):
        return None if obj is None else type(obj).objects.get(pk=obj.pk)

    return World(
        users={role: fresh(user) for role, user in built_world.users.items()},
        **{
            name: fresh(getattr(built_world, name))
            for name in ("incident", "postmortem", "event", "cause", "item")
        },
    )


def in_review(world: World) -> None:
    Postmortem.objects.filter(pk=world.postmortem.pk).update(status="in_review")


def approved(world: World) -> None:
    in_review(world)
    Review.objects.create(
        postmortem=world.postmortem,
        reviewer=world.users["reviewer"],
        decision="approve",
        postmortem_version=Postmortem.objects.get(pk=world.postmortem.pk).version,
    )


def published(world: World) -> None:
    Postmortem.objects.filter(pk=world.postmortem.pk).update(status="published")


@dataclass(frozen=True)
class Op:
    method: str
    path: Callable[[World], str]
    statuses: tuple[int, int, int, int, int, int]  # in the order of ROLES
    body: Callable[[World], dict] | None = None
    setup: Callable[[World], None] | None = field(default=None)


def read(collection: str, attribute: str | None = None) -> tuple[Op, Op]:
    def one(world: World) -> str:
        obj = getattr(world, attribute) if attribute else None
        pk = obj.pk if obj is not None else world.users["reader"].pk
        return f"/api/v1/{collection}/{pk}/"

    everyone = (401, 200, 200, 200, 200, 200)
    return Op("get", lambda w: f"/api/v1/{collection}/", everyone), Op("get", one, everyone)


EDITORS = (401, 403, 200, 403, 200, 403)
EDITORS_CREATE = (401, 403, 201, 403, 201, 403)
EDITORS_DELETE = (401, 403, 204, 403, 204, 403)
REVIEWERS = (401, 403, 403, 200, 200, 403)


def a_thread(world: World) -> None:
    comments.thread_start(
        postmortem=world.postmortem, actor=world.users["author"], section="timeline", body="Why?"
    )


def a_resolved_thread(world: World) -> None:
    a_thread(world)
    comments.thread_resolve(thread=world.postmortem.threads.get(), actor=world.users["author"])


def thread_path(action: str = "") -> Callable[[World], str]:
    def path(world: World) -> str:
        thread = world.postmortem.threads.get()
        return f"/api/v1/comment-threads/{thread.pk}/{action}"

    return path


# Those who may edit or review the postmortem, and the thread's own people (its author).
RESOLVERS = (401, 403, 200, 200, 200, 403)
EVERYONE = (401, 200, 200, 200, 200, 200)


def started(world: World, minutes: int = 5) -> str:
    return (world.incident.started_at + timedelta(minutes=minutes)).isoformat()


OPERATIONS: dict[str, Op] = {
    "incidents_list": read("incidents", "incident")[0],
    "incidents_retrieve": read("incidents", "incident")[1],
    "incidents_create": Op(
        "post",
        lambda w: "/api/v1/incidents/",
        (401, 201, 201, 201, 201, 201),
        body=lambda w: {"title": "From a script", "started_at": "2026-03-18T09:00:00+02:00"},
    ),
    "incidents_partial_update": Op(
        "patch", lambda w: f"/api/v1/incidents/{w.incident.pk}/", EDITORS, lambda w: {"title": "x"}
    ),
    "timeline_events_list": read("timeline-events", "event")[0],
    "timeline_events_retrieve": read("timeline-events", "event")[1],
    "timeline_events_create": Op(
        "post",
        lambda w: "/api/v1/timeline-events/",
        EDITORS_CREATE,
        lambda w: {"incident": w.incident.pk, "occurred_at": started(w), "description": "Paged"},
    ),
    "timeline_events_partial_update": Op(
        "patch",
        lambda w: f"/api/v1/timeline-events/{w.event.pk}/",
        EDITORS,
        lambda w: {"description": "Rewritten"},
    ),
    "timeline_events_destroy": Op(
        "delete", lambda w: f"/api/v1/timeline-events/{w.event.pk}/", EDITORS_DELETE
    ),
    "causes_list": read("causes", "cause")[0],
    "causes_retrieve": read("causes", "cause")[1],
    "causes_create": Op(
        "post",
        lambda w: "/api/v1/causes/",
        EDITORS_CREATE,
        lambda w: {"incident": w.incident.pk, "description": "A full disk"},
    ),
    "causes_partial_update": Op(
        "patch", lambda w: f"/api/v1/causes/{w.cause.pk}/", EDITORS, lambda w: {"role": "root"}
    ),
    "causes_destroy": Op("delete", lambda w: f"/api/v1/causes/{w.cause.pk}/", EDITORS_DELETE),
    "action_items_list": read("action-items", "item")[0],
    "action_items_retrieve": read("action-items", "item")[1],
    "action_items_create": Op(
        "post",
        lambda w: "/api/v1/action-items/",
        EDITORS_CREATE,
        lambda w: {"incident": w.incident.pk, "title": "Alert on disk use"},
    ),
    "action_items_partial_update": Op(
        "patch",
        lambda w: f"/api/v1/action-items/{w.item.pk}/",
        EDITORS,
        lambda w: {"status": "in_progress"},
    ),
    "action_items_destroy": Op(
        "delete", lambda w: f"/api/v1/action-items/{w.item.pk}/", EDITORS_DELETE
    ),
    "postmortems_list": read("postmortems", "postmortem")[0],
    "postmortems_retrieve": read("postmortems", "postmortem")[1],
    "postmortems_partial_update": Op(
        "patch",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/",
        EDITORS,
        lambda w: {
            "sections": [{"key": "trigger", "body": "A deploy"}],
            "summary": "Four hours down",
        },
    ),
    "postmortems_submit_create": Op(
        "post",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/submit/",
        EDITORS,
        lambda w: {"reason": "The fix is tracked with the vendor"},
    ),
    "postmortems_approve_create": Op(
        "post",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/approve/",
        REVIEWERS,
        lambda w: {"body": "Clear"},
        setup=in_review,
    ),
    "postmortems_request_changes_create": Op(
        "post",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/request-changes/",
        REVIEWERS,
        lambda w: {"body": "Add the timeline"},
        setup=in_review,
    ),
    "postmortems_publish_create": Op(
        "post",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/publish/",
        REVIEWERS,
        setup=approved,
    ),
    "postmortems_reopen_create": Op(
        "post",
        lambda w: f"/api/v1/postmortems/{w.postmortem.pk}/reopen/",
        EDITORS,
        lambda w: {"reason": "A typo"},
        setup=published,
    ),
    "reviews_list": read("reviews")[0],
    "reviews_retrieve": Op(
        "get",
        lambda w: f"/api/v1/reviews/{w.postmortem.reviews.get().pk}/",
        (401, 200, 200, 200, 200, 200),
        setup=approved,
    ),
    "comment_threads_list": Op(
        "get", lambda w: "/api/v1/comment-threads/", EVERYONE, setup=a_thread
    ),
    "comment_threads_retrieve": Op("get", thread_path(), EVERYONE, setup=a_thread),
    "comment_threads_create": Op(
        "post",
        lambda w: "/api/v1/comment-threads/",
        (401, 201, 201, 201, 201, 201),
        lambda w: {"postmortem": w.postmortem.pk, "section": "timeline", "body": "Why?"},
    ),
    "comment_threads_reply_create": Op(
        "post",
        thread_path("reply/"),
        (401, 201, 201, 201, 201, 201),
        lambda w: {"body": "Because"},
        setup=a_thread,
    ),
    "comment_threads_resolve_create": Op(
        "post", thread_path("resolve/"), RESOLVERS, setup=a_thread
    ),
    "comment_threads_reopen_create": Op(
        "post", thread_path("reopen/"), RESOLVERS, setup=a_resolved_thread
    ),
    "teams_list": read("teams")[0],
    "teams_retrieve": Op(
        "get",
        lambda w: f"/api/v1/teams/{w.incident.team_id}/",
        (401, 200, 200, 200, 200, 200),
    ),
    "services_list": read("services")[0],
    "services_retrieve": Op(
        "get",
        lambda w: f"/api/v1/services/{w.incident.services.first().pk}/",
        (401, 200, 200, 200, 200, 200),
        setup=lambda w: w.incident.services.add(
            __import__("tests.factories", fromlist=["ServiceFactory"]).ServiceFactory()
        ),
    ),
    "tags_list": read("tags")[0],
    "tags_retrieve": Op(
        "get",
        lambda w: f"/api/v1/tags/{w.incident.tags.first().pk}/",
        (401, 200, 200, 200, 200, 200),
        setup=lambda w: w.incident.tags.create(name="database"),
    ),
    "users_list": read("users")[0],
    "users_retrieve": read("users")[1],
}


def schema_operations(tmp_path) -> set[str]:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    return {
        line.split(":", 1)[1].strip()
        for line in out.read_text().splitlines()
        if line.strip().startswith("operationId:")
    }


def test_every_operation_has_a_row(tmp_path):
    missing = sorted(schema_operations(tmp_path) - OPERATIONS.keys())
    assert not missing, f"add a row to OPERATIONS in {__file__} for: {', '.join(missing)}"
    stale = sorted(OPERATIONS.keys() - schema_operations(tmp_path))
    assert not stale, f"these rows name no operation any more: {', '.join(stale)}"


def make_private(world: World, *, allow_team: bool) -> None:
    Incident.objects.filter(pk=world.incident.pk).update(is_private=True)
    if allow_team:
        world.incident.allowed_teams.add(world.incident.team)


# The outsider of a private incident is not in this table: see the test after it.
CASES = [
    (name, role, visibility)
    for name in sorted(OPERATIONS)
    for visibility in ("public", "private to its team")
    for role in ROLES
    if not (visibility != "public" and role == "other_team")
]


@pytest.mark.parametrize(("name", "role", "visibility"), CASES)
def test_each_role_gets_the_status_in_the_table(name, role, visibility, api_client_for, world):
    """The role gets its status, and a refused request writes nothing at all."""
    op = OPERATIONS[name]
    if op.setup:
        op.setup(world)
    if visibility != "public":
        make_private(world, allow_team=True)
    client = api_client_for(world.users[role])
    body = op.body(world) if op.body else None
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, op.method)(op.path(world), data=body, format="json")
    expected = op.statuses[ROLES.index(role)]
    assert response.status_code == expected, f"{name} as {role}: {response.content[:300]!r}"
    if expected >= 400:
        assert writes(queries.captured_queries, besides=BOOKKEEPING) == [], name


INCIDENT_BOUND = (
    "incidents",
    "timeline",
    "causes",
    "action",
    "postmortems",
    "reviews",
    "comment_threads",
    # A tag only private incidents use is as hidden as they are (the tag on make_world's).
    "tags_retrieve",
)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_an_outsider_finds_nothing_of_a_private_incident(name, api_client_for, world):
    op = OPERATIONS[name]
    if op.setup:
        op.setup(world)
    make_private(world, allow_team=False)
    client = api_client_for(world.users["other_team"])
    body = op.body(world) if op.body else None

    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, op.method)(op.path(world), data=body, format="json")

    if response.status_code >= 400:
        assert writes(queries.captured_queries, besides=BOOKKEEPING) == [], name
    hidden = {
        world.incident.pk,
        world.postmortem.pk,
        world.event.pk,
        world.cause.pk,
        world.item.pk,
    }
    if name == "incidents_create" or not name.startswith(INCIDENT_BOUND):
        assert response.status_code == op.statuses[ROLES.index("other_team")]
    elif name.endswith("_list"):
        assert response.status_code == 200
        assert not hidden & {row["id"] for row in response.json()["results"]}, name
        if name.startswith("comment_threads"):
            assert response.json()["results"] == []
    elif body and ("incident" in body or "postmortem" in body):
        assert response.status_code == 400  # "no such incident" (or postmortem)
        assert {"incident", "postmortem"} & response.json().keys()
    else:
        assert response.status_code == 404, f"{name}: {response.content[:200]!r}"
