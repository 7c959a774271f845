"""Who gets what on every URL of the app: one row per URL name, one column per role.

Adding a URL without a row here fails `test_every_url_has_a_row`. A row is one line:
    "app:name": Row(anonymous=302, reader=200, author=200, ...)
URL arguments come from `url_kwargs` below, by argument name; a row may set its own.
The statuses are for a GET, or for the row's `method`.

Each row is checked twice: with the world's incident public, and private to its team and
the other_team user. The `outsider` column is what someone not allowed to see the private
incident gets: 404 on every URL of it, as if it did not exist. While the incident is
public, the outsider is one more reader and gets what other_team gets. (GETs on POST-only
URLs answer 405 before any lookup, for incidents that exist or not.)
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tokens import unlock_token
from alerts.models import AlertSource
from alerts.services import source_create
from chat.models import ChatConnection
from confluence.models import ConfluenceConnection
from core.models import ChangeRecord
from incidents.emails import unsubscribe_token
from notifications.emails import unsubscribe_token as notifications_unsubscribe_token
from notifications.models import Notification
from postmortems.collaboration import comments
from postmortems.models import Comment, PostmortemTemplate, PublishedVersion
from publishing.models import IncomingRevision, RepositoryConnection, RepositoryFile
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
from tests.refusals import writes
from trackers.models import TrackerConnection
from webhooks.models import WebhookDelivery, WebhookEndpoint


def version_kwargs(world: "World") -> dict[str, Any]:
    """Return the arguments of the world's postmortem's v1, frozen the first time it is asked."""
    postmortem = world.incident.postmortem
    PublishedVersion.objects.get_or_create(
        postmortem=postmortem, number=1, defaults={"html": "<p>v1</p>", "markdown": "x"}
    )
    return {"incident_id": world.incident.pk, "number": 1, "old": 1, "new": 1, "fmt": "md"}


def comment_kwargs(world: "World") -> dict[str, Any]:
    """Return the arguments of a thread the world's author started, made when first asked."""
    comment = Comment.objects.filter(author=world.users["author"]).first()
    if comment is None:
        comment = comments.thread_start(
            postmortem=world.incident.postmortem,
            actor=world.users["author"],
            section="timeline",
            body="A role table comment",
        )
    return {
        "incident_id": world.incident.pk,
        "thread_id": comment.thread_id,
        "comment_id": comment.pk,
    }


def notification_kwargs(world: "World") -> dict[str, Any]:
    """Return the id of a notification of the reader's, about the world's incident."""
    record = ChangeRecord.objects.create(
        incident=world.incident, action="updated", event="comment.created", object_type="x"
    )
    notification = Notification.objects.create(
        recipient=world.users["reader"],
        incident=world.incident,
        record=record,
        kind="comment",
        text="A comment",
        url="/",
    )
    return {"pk": notification.pk}


ROLES = ("anonymous", "reader", "author", "reviewer", "manager", "other_team", "outsider")

# Django's admin checks is_staff on every admin page itself and is tested by Django; its
# index stands for the whole admin here. Every other URL, markdownx's included, has a row.
# The REST API has a role table of its own, over every operation of its schema:
# tests/api/test_api_authorization.py.
EXCLUDED_PREFIXES = ("admin:", "api:")
INCLUDED_DESPITE_PREFIX = {"admin:index"}


@dataclass(frozen=True)
class Row:
    anonymous: int
    reader: int
    author: int
    reviewer: int
    manager: int
    other_team: int
    outsider: int
    method: str = "get"
    data: dict[str, Any] | None = None
    ajax: bool = False
    kwargs: Callable[["World"], dict[str, Any]] | None = field(default=None)

    def status(self, role: str) -> int:
        return getattr(self, role)


def everyone(
    status: int, *, anonymous: int | None = None, outsider: int | None = None, **extra: Any
) -> Row:
    """Return a row where every logged-in role gets `status` (the outsider too, unless set)."""
    return Row(
        anonymous=status if anonymous is None else anonymous,
        reader=status,
        author=status,
        reviewer=status,
        manager=status,
        other_team=status,
        outsider=status if outsider is None else outsider,
        **extra,
    )


# Anonymous visitors are sent to the login page (302) by LoginRequiredMiddleware.
EDITORS = Row(302, 403, 200, 403, 200, 403, 404)
# An empty form comes back to its editor with the errors (200), to anyone else as 403.
EDITORS_POST = Row(302, 403, 200, 403, 200, 403, 404, method="post")
EDITORS_MOVE = Row(302, 403, 302, 403, 302, 403, 404, method="post", data={"direction": "down"})
MANAGERS = Row(302, 403, 403, 403, 200, 403, 403)


def endpoint_kwargs(world: "World") -> dict[str, Any]:
    endpoint = WebhookEndpoint.objects.create(
        team=world.incident.team, url="https://hooks.example.com/in", events=["incident.created"]
    )
    return {"endpoint_id": endpoint.pk}


def delivery_kwargs(world: "World") -> dict[str, Any]:
    endpoint_id = endpoint_kwargs(world)["endpoint_id"]
    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint_id, event_type="incident.created", payload={}
    )
    return {"endpoint_id": endpoint_id, "delivery_id": delivery.pk}


def connection_kwargs(world: "World") -> dict[str, Any]:
    connection = TrackerConnection(
        team=world.incident.team, kind="github", github_repository="acme/web",
        github_api_url="http://127.0.0.1:9",  # refused at once: "test connection" fails fast
    )  # fmt: skip
    connection.set_token("github_pat_role_table")
    connection.set_webhook_secret("role-table-secret")
    connection.save()
    return {"connection_id": connection.pk}


def alert_source_kwargs(world: "World") -> dict[str, Any]:
    source, _ = source_create(
        source=AlertSource(team=world.incident.team, kind="alertmanager", name="Role table"),
        actor=None,
    )
    rule = source.service_rules.create(
        sender_name="role-table", service=ServiceFactory(name="role-table-service")
    )
    return {
        "source_id": source.pk, "rule_id": rule.pk, "kind": source.kind, "source_uuid": source.uuid
    }  # fmt: skip


def confluence_kwargs(world: "World") -> dict[str, Any]:
    connection = ConfluenceConnection(
        team=world.incident.team, site_url="http://127.0.0.1:9",  # "test" fails fast
        email="bot@example.com", space_key="ENG", parent_page_id="1000",
    )  # fmt: skip
    connection.set_token("confluence-role-table-token")
    connection.save()
    return {"connection_id": connection.pk}


def repository_kwargs(world: "World") -> dict[str, Any]:
    connection = RepositoryConnection(
        team=world.incident.team, kind="git", remote_url="file:///nonexistent/role-table.git"
    )  # nothing there: "import" and "look for changes" fail fast and say so
    connection.set_webhook_secret("role-table-secret")
    connection.save()
    return {"connection_id": connection.pk}


def chat_connection_kwargs(world: "World") -> dict[str, Any]:
    # A Mattermost on loopback: refused at once (private address), so the page lists no
    # channels and asks for an ID instead, without any network.
    connection = ChatConnection(
        team=world.incident.team, kind="mattermost", name="Role chat",
        server_url="http://127.0.0.1:9", workspace_id="tm1",
    )  # fmt: skip
    connection.set_bot_token("mm-role-table")
    connection.save()
    return {"connection_id": connection.pk}


def revision_kwargs(world: "World") -> dict[str, Any]:
    """Return a change to the world's postmortem merged in its team's repository."""
    connection_id = repository_kwargs(world)["connection_id"]
    file = RepositoryFile.objects.create(
        connection_id=connection_id, incident=world.incident, path="postmortems/role.md"
    )
    revision = IncomingRevision.objects.create(
        file=file, blob="b" * 40, markdown="# Role table incident\n\nChanged there.\n"
    )
    return {"revision_id": revision.pk}


def link_kwargs(world: "World") -> dict[str, Any]:
    other = IncidentFactory(title="Same root cause as the role table incident")
    link = RecurrenceLink.objects.create(incident=world.incident, same_as=other)
    return {"pk": world.incident.pk, "same_as_id": other.pk, "link_id": link.pk}


def tag_kwargs(world: "World") -> dict[str, Any]:
    return {"pk": TagFactory(name="role-table-tag").pk}


TABLE: dict[str, Row] = {
    "login": everyone(200),
    "logout": everyone(405, anonymous=302),  # GET is refused; logging out is a POST
    "home": everyone(302),
    "health": everyone(200),
    # Caught mail exists only with DEBUG on, for superusers (tests/config/test_dev_mail.py);
    # these tests run with DEBUG off, where it is a 404 for everyone, signed in or not.
    "dev_mail": everyone(404),
    "favicon": everyone(301),  # to the static icon, for anyone: it gives nothing away
    "uploaded_file": everyone(404, anonymous=302, kwargs=lambda world: {"path": "none.png"}),
    "admin:index": Row(302, 302, 302, 302, 200, 302, 302),  # the manager here is a superuser
    # Our own views behind markdownx's URLs (its own need no login): preview and upload.
    "markdownx_markdownify": everyone(200, anonymous=302, method="post", data={"content": "x"}),
    "markdownx_upload": everyone(400, anonymous=302, method="post", ajax=True),
    "incidents:list": everyone(200, anonymous=302),
    # The outsider gets the page; the private incident is not in it (tests/search/).
    "search:results": everyone(200, anonymous=302),
    "search:recurring": everyone(200, anonymous=302),  # the private incident left out
    # "Same root cause" links: the incident's editors only; marking twice or removing a
    # link that is gone already redirects as the first time did.
    "search:link_create": Row(
        302, 403, 302, 403, 302, 403, 404, method="post", kwargs=lambda world: link_kwargs(world)
    ),
    # The roles go in turn on one link: once the author has removed it, it is 404 for the
    # manager, as a link that does not exist (or names a hidden incident) is for anyone.
    "search:link_delete": Row(
        302, 403, 302, 403, 404, 403, 404, method="post", kwargs=lambda world: link_kwargs(world)
    ),
    "incidents:detail": everyone(200, anonymous=302, outsider=404),
    # The similar incidents the incident's page loads after itself: as the page.
    "search:similar": everyone(200, anonymous=302, outsider=404),
    "postmortems:document": everyone(200, anonymous=302, outsider=404),
    # Authoring: the commander/authors and managers edit; everyone else gets 403.
    "incidents:create": everyone(200, anonymous=302),
    "incidents:edit": EDITORS,
    "incidents:event_create": EDITORS_POST,
    "incidents:cause_create": EDITORS_POST,
    "incidents:item_create": EDITORS_POST,
    "incidents:event_edit": EDITORS,
    "incidents:cause_edit": EDITORS,
    "incidents:item_edit": EDITORS,
    "incidents:event_move": EDITORS_MOVE,
    "incidents:cause_move": EDITORS_MOVE,
    "incidents:item_move": EDITORS_MOVE,
    # Deleting is POST only; who may delete is tested with the views themselves.
    "incidents:event_delete": everyone(405, anonymous=302),
    "incidents:cause_delete": everyone(405, anonymous=302),
    "incidents:item_delete": everyone(405, anonymous=302),
    "postmortems:edit": EDITORS,
    "postmortems:review": everyone(200, anonymous=302, outsider=404),
    "postmortems:submit": Row(302, 403, 302, 403, 302, 403, 404, method="post"),
    "postmortems:publish": Row(302, 403, 403, 302, 302, 403, 404, method="post"),
    "postmortems:reopen": Row(
        302, 403, 302, 403, 302, 403, 404, method="post", data={"reason": "x"}
    ),
    "postmortems:template": Row(
        302, 403, 302, 403, 302, 403, 404, method="post", data={"template": "0"}
    ),
    # Templates: everyone logged in reads them; managers make, change, copy and retire them.
    "postmortems:templates": everyone(200, anonymous=302),
    "postmortems:template_edit": everyone(200, anonymous=302),
    "postmortems:template_create": Row(302, 403, 403, 403, 200, 403, 403),
    "postmortems:template_copy": Row(302, 403, 403, 403, 302, 403, 403, method="post"),
    "postmortems:template_retire": Row(302, 403, 403, 403, 302, 403, 403, method="post"),
    # Documents: everyone logged in who may see the incident reads and exports; all import.
    "postmortems:export": everyone(200, anonymous=302, outsider=404),
    "postmortems:import": everyone(200, anonymous=302),
    # Comments: everyone who may see the incident comments and replies; only the author
    # edits a comment; the thread's people and the postmortem's editors and reviewers resolve.
    "postmortems:thread_create": everyone(
        302, outsider=404, method="post", data={"section": "timeline", "body": "Hi"}
    ),
    "postmortems:thread_reply": everyone(
        302, outsider=404, method="post", data={"body": "Hi"}, kwargs=comment_kwargs
    ),
    "postmortems:thread_resolve": Row(
        302, 403, 302, 302, 302, 403, 404, method="post", kwargs=comment_kwargs
    ),
    "postmortems:comment_edit": Row(
        302, 403, 302, 403, 403, 403, 404, method="post", data={"body": "x"}, kwargs=comment_kwargs
    ),
    "postmortems:comment_delete": everyone(405, anonymous=302, kwargs=comment_kwargs),
    "postmortems:mention_people": everyone(200, anonymous=302, outsider=404),
    "postmortems:version": everyone(200, anonymous=302, outsider=404, kwargs=version_kwargs),
    "postmortems:version_export": everyone(200, anonymous=302, outsider=404, kwargs=version_kwargs),
    "postmortems:version_diff": everyone(200, anonymous=302, outsider=404, kwargs=version_kwargs),
    "postmortems:version_compare": everyone(302, outsider=404),
    # Tracking: everyone logged in sees the board; changing an item is checked per item.
    "incidents:action_items": everyone(200, anonymous=302),
    "incidents:action_items_csv": everyone(200, anonymous=302),
    "incidents:action_items_bulk": everyone(405, anonymous=302),
    "incidents:action_item_owner_options": everyone(200, anonymous=302),
    "incidents:action_item_quick_form": Row(
        302,
        403,
        200,
        403,
        200,
        403,
        404,
        kwargs=lambda world: {"pk": world.item.pk, "field": "status"},
    ),
    "incidents:action_item_quick_update": Row(
        302,
        403,
        302,
        403,
        302,
        403,
        404,
        method="post",
        data={"status": "in_progress"},
        kwargs=lambda world: {"pk": world.item.pk},
    ),
    "incidents:dashboard": everyone(200, anonymous=302),
    "incidents:calendar": everyone(200, anonymous=302),
    "incidents:calendar_regenerate": everyone(405, anonymous=302),
    # The feed and unsubscribe links carry their own secret and need no login.
    "incidents:calendar_feed": everyone(200),
    "incidents:unsubscribe": everyone(
        200, kwargs=lambda world: {"token": unsubscribe_token(world.users["reader"])}
    ),
    "incidents:settings": everyone(200, anonymous=302),
    # Notifications: everyone has their own inbox; another's notification is not found.
    "notifications:inbox": everyone(200, anonymous=302),
    "notifications:unread_count": everyone(200, anonymous=302),
    "notifications:mark_read": everyone(405, anonymous=302),
    "notifications:open": Row(302, 302, 404, 404, 404, 404, 404, kwargs=notification_kwargs),
    "notifications:preferences": everyone(200, anonymous=302),
    "notifications:follow": everyone(405, anonymous=302),
    "notifications:unsubscribe": everyone(
        200,
        kwargs=lambda world: {"token": notifications_unsubscribe_token(world.users["reader"])},
    ),
    # API tokens: everyone manages their own (another's token is a 404, tested with it).
    "tokens:list": everyone(200, anonymous=302),
    "tokens:revoke": everyone(405, anonymous=302),
    # Sign-in: asking for an unlock link and using it need no login (the link is signed).
    "accounts:unlock_request": everyone(200),
    "accounts:unlock_confirm": everyone(
        200, kwargs=lambda world: {"token": unlock_token(world.users["reader"])}
    ),
    "accounts:lockouts": Row(302, 403, 403, 403, 200, 403, 403),
    # The managed list of tags: managers only; a merge without a tag to merge into is 400.
    "incidents:tags": MANAGERS,
    "incidents:tag_rename": Row(
        302,
        403,
        403,
        403,
        302,
        403,
        403,
        method="post",
        data={"name": "renamed"},
        kwargs=tag_kwargs,
    ),
    "incidents:tag_merge": Row(302, 403, 403, 403, 400, 403, 403, method="post", kwargs=tag_kwargs),
    "accounts:lockout_clear": everyone(405, anonymous=302),  # POST only, managers only
    # The second sign-in step: without a password step just done, back to the login page.
    "accounts:login_verify": everyone(302),
    # Single sign-on answers 404 until it is configured (tests/accounts/test_sso.py).
    "accounts:oidc_login": everyone(404),
    "accounts:oidc_callback": everyone(404),
    # Everyone's own two-factor settings; the changes are POST only.
    "accounts:two_factor": everyone(200, anonymous=302),
    "accounts:two_factor_start": everyone(405, anonymous=302),
    "accounts:two_factor_confirm": everyone(405, anonymous=302),
    "accounts:two_factor_disable": everyone(405, anonymous=302),
    "accounts:recovery_codes": everyone(405, anonymous=302),
    # Webhooks: the team's manager only; changes are POST only.
    "webhooks:list": MANAGERS,
    "webhooks:create": MANAGERS,
    "webhooks:detail": Row(302, 403, 403, 403, 200, 403, 403, kwargs=endpoint_kwargs),
    "webhooks:toggle": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=endpoint_kwargs
    ),
    "webhooks:delete": everyone(405, anonymous=302, kwargs=endpoint_kwargs),
    "webhooks:replay": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=delivery_kwargs
    ),
    # Trackers: connections are the team's manager's; an item's issue is for its editors.
    "chat:connections": MANAGERS,
    "chat:connection_create": MANAGERS,
    "chat:connection": Row(302, 403, 403, 403, 200, 403, 403, kwargs=chat_connection_kwargs),
    "chat:connection_delete": everyone(405, anonymous=302, kwargs=chat_connection_kwargs),
    # The import page; with no chat connected it says so (200) to whoever may edit.
    "chat:import": EDITORS,
    # Slash commands are signed, not logged in: GET is refused before anything else.
    "chat:slack_commands": everyone(405),
    "chat:mattermost_commands": everyone(405),
    "chat:notify_settings": everyone(200, anonymous=302),
    "chat:notify_link": everyone(302, method="post"),
    "chat:notify_channel": Row(302, 403, 403, 403, 200, 403, 403, kwargs=chat_connection_kwargs),
    "trackers:list": MANAGERS,
    "trackers:create": MANAGERS,
    "trackers:detail": Row(302, 403, 403, 403, 200, 403, 403, kwargs=connection_kwargs),
    "trackers:edit": Row(302, 403, 403, 403, 200, 403, 403, kwargs=connection_kwargs),
    "trackers:test": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=connection_kwargs
    ),
    "trackers:new_secret": Row(
        302, 403, 403, 403, 200, 403, 403, method="post", kwargs=connection_kwargs
    ),
    "trackers:delete": everyone(405, anonymous=302, kwargs=connection_kwargs),
    # Alert sources: the team's manager's; what the senders call needs no login (it is
    # verified by the source's secret) and is POST only.
    "alerts:list": MANAGERS,
    "alerts:create": MANAGERS,
    "alerts:detail": Row(302, 403, 403, 403, 200, 403, 403, kwargs=alert_source_kwargs),
    "alerts:edit": Row(302, 403, 403, 403, 200, 403, 403, kwargs=alert_source_kwargs),
    "alerts:new_secret": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=alert_source_kwargs
    ),
    "alerts:delete": everyone(405, anonymous=302, kwargs=alert_source_kwargs),
    "alerts:rule_create": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=alert_source_kwargs
    ),
    "alerts:rule_delete": everyone(405, anonymous=302, kwargs=alert_source_kwargs),
    "alerts:receive": everyone(405, kwargs=alert_source_kwargs),
    # The trackers' webhooks need no login (they are signed) and are POST only.
    "trackers:github_hook": everyone(405, kwargs=connection_kwargs),
    "trackers:jira_hook": everyone(405, kwargs=connection_kwargs),
    "trackers:item": everyone(200, anonymous=302, outsider=404),
    # Repositories of postmortems: the team's manager's, like trackers; the push hook is
    # signed and POST only; a change merged there is seen by whoever sees its incident
    # and accepted or rejected by its editors (the first decides; later ones are told so).
    "publishing:list": MANAGERS,
    "publishing:create": MANAGERS,
    "publishing:detail": Row(302, 403, 403, 403, 200, 403, 403, kwargs=repository_kwargs),
    "publishing:edit": Row(302, 403, 403, 403, 200, 403, 403, kwargs=repository_kwargs),
    "publishing:import": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=repository_kwargs
    ),
    "publishing:poll": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=repository_kwargs
    ),
    "publishing:new_secret": Row(
        302, 403, 403, 403, 200, 403, 403, method="post", kwargs=repository_kwargs
    ),
    "publishing:delete": everyone(405, anonymous=302, kwargs=repository_kwargs),
    "publishing:hook": everyone(405, kwargs=repository_kwargs),
    "publishing:revision": everyone(200, anonymous=302, outsider=404, kwargs=revision_kwargs),
    "publishing:revision_accept": Row(
        302, 403, 302, 403, 302, 403, 404, method="post", kwargs=revision_kwargs
    ),
    "publishing:revision_reject": Row(
        302, 403, 302, 403, 302, 403, 404, method="post", kwargs=revision_kwargs
    ),
    "trackers:item_create": Row(302, 403, 302, 403, 302, 403, 404, method="post"),
    "trackers:items_create": everyone(302, method="post"),
    "trackers:account": everyone(200, anonymous=302),
    # Confluence: connections are the team's manager's; publishing a postmortem is for the
    # incident's editors (here it is not published: they are sent back with the reason).
    "confluence:list": MANAGERS,
    "confluence:create": MANAGERS,
    "confluence:detail": Row(302, 403, 403, 403, 200, 403, 403, kwargs=confluence_kwargs),
    "confluence:edit": Row(302, 403, 403, 403, 200, 403, 403, kwargs=confluence_kwargs),
    "confluence:test": Row(
        302, 403, 403, 403, 302, 403, 403, method="post", kwargs=confluence_kwargs
    ),
    "confluence:delete": everyone(405, anonymous=302, kwargs=confluence_kwargs),
    "confluence:publish": Row(302, 403, 302, 403, 302, 403, 404, method="post"),
}


@dataclass
class World:
    """The people and the incident every row is checked against."""

    users: dict[str, Any]
    incident: Any
    event: Any = None
    cause: Any = None
    item: Any = None


def url_kwargs(world: World) -> dict[str, Any]:
    """Return a value for every URL argument name the project uses."""
    reader = world.users["reader"]
    return {
        "pk": world.incident.pk,
        "incident_id": world.incident.pk,
        "event_id": world.event.pk,
        "cause_id": world.cause.pk,
        "item_id": world.item.pk,
        "fmt": "md",
        "token": reader.calendar_token,
        "template_id": PostmortemTemplate.objects.get_or_create(name="Role table template")[0].pk,
    }


def build_world() -> World:
    author = UserFactory(username="role-author")
    reviewer = UserFactory(username="role-reviewer")
    reader = UserFactory(username="role-reader")
    manager = UserFactory(username="role-manager", is_staff=True, is_superuser=True)
    other_team = UserFactory(username="role-other-team")
    outsider = UserFactory(username="role-outsider")
    team = TeamFactory(name="Owning team", manager=manager, members=[author, reviewer, reader])
    TeamFactory(name="Another team", manager=UserFactory(), members=[other_team, outsider])
    incident = IncidentFactory(
        title="Role table incident",
        team=team,
        commander=author,
        allowed_teams=[team],
        allowed_users=[other_team],
    )
    PostmortemFactory(incident=incident, authors=[author], reviewers=[reviewer])
    users = {
        "anonymous": None,
        "reader": reader,
        "author": author,
        "reviewer": reviewer,
        "manager": manager,
        "other_team": other_team,
        "outsider": outsider,
    }
    return World(
        users=users,
        incident=incident,
        event=TimelineEventFactory(incident=incident),
        cause=CauseFactory(incident=incident),
        item=ActionItemFactory(incident=incident, title="Role table action item"),
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Build the world once per module, in a transaction rolled back at the module's end.

    Each test's own transaction (the `db` fixture) is a savepoint inside this one, so what a
    test changes is undone before the next, and the ~200 cases share one world.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(db, built_world) -> World:
    """Return the shared world, read afresh: an earlier test may have changed the objects."""
    users = {
        role: None if user is None else type(user).objects.get(pk=user.pk)
        for role, user in built_world.users.items()
    }
    return World(
        users=users,
        incident=type(built_world.incident).objects.get(pk=built_world.incident.pk),
        event=type(built_world.event).objects.get(pk=built_world.event.pk),
        cause=type(built_world.cause).objects.get(pk=built_world.cause.pk),
        item=type(built_world.item).objects.get(pk=built_world.item.pk),
    )


def project_urls() -> dict[str, list[str]]:
    """Return every named URL pattern (with namespace) and the argument names it takes."""

    def arguments(pattern) -> list[str]:
        return list(getattr(pattern.pattern, "converters", {}) or [])

    def walk(patterns, namespace: str, outer: list[str]):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, outer + arguments(pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", outer + arguments(pattern)

    return {
        name: args
        for name, args in walk(get_resolver().url_patterns, "", [])
        if name in INCLUDED_DESPITE_PREFIX or not name.startswith(EXCLUDED_PREFIXES)
    }


def _path(name: str, row: Row, world: World) -> str:
    values = row.kwargs(world) if row.kwargs else url_kwargs(world)
    needed = project_urls()[name]
    unknown = [arg for arg in needed if arg not in values]
    assert not unknown, f"add a value for {unknown} to url_kwargs() or to the row of {name}"
    return reverse(name, kwargs={arg: values[arg] for arg in needed})


def test_every_url_has_a_row():
    missing = sorted(project_urls().keys() - TABLE.keys())
    assert not missing, f"add a row to TABLE in {__file__} for: {', '.join(missing)}"


def test_every_row_names_a_url_that_exists():
    stale = sorted(TABLE.keys() - project_urls().keys())
    assert not stale, f"these rows name no URL any more: {', '.join(stale)}"


def _make_private(world: World) -> None:
    world.incident.is_private = True
    world.incident.save(update_fields=["is_private"])


def refused(role: str, response) -> bool:
    """Return whether the request was turned away: an error, or sent to the login page."""
    to_login = role == "anonymous" and response.status_code == 302
    return response.status_code >= 400 or (
        to_login and response.url.startswith(reverse(settings.LOGIN_URL))
    )


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_role_gets_the_status_in_the_table(name, private, world):
    """Each role gets its status, and a refused request writes nothing at all."""
    if private:
        _make_private(world)
    row = TABLE[name]
    path = _path(name, row, world)
    got = {}
    written = {}
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        headers = {"X-Requested-With": "XMLHttpRequest"} if row.ajax else {}
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, row.method)(path, data=row.data or {}, headers=headers)
        got[role] = response.status_code
        if refused(role, response) and writes(queries.captured_queries):
            written[role] = writes(queries.captured_queries)
    expected = {role: row.status(role) for role in ROLES}
    if not private:
        expected["outsider"] = row.other_team
    assert got == expected, f"{name} ({path})"
    assert written == {}, f"{name} ({path}) was refused but wrote"


LISTS = {
    "incidents:list": "Role table incident",
    "incidents:action_items": "Role table action item",
    "incidents:action_items_csv": "Role table action item",
    "incidents:dashboard": "Role table action item",  # in the oldest overdue items
}


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_lists_leave_the_private_incident_out_for_outsiders_only(name, world):
    _make_private(world)
    shown = {}
    for role in ("reader", "other_team", "manager", "outsider"):
        client = Client()
        client.force_login(world.users[role])
        response = client.get(reverse(name))
        assert response.status_code == 200
        shown[role] = LISTS[name] in _body(response)
    assert shown == {"reader": True, "other_team": True, "manager": True, "outsider": False}


@pytest.mark.parametrize("name", ["event_delete", "cause_delete", "item_delete"])
def test_outsiders_get_404_when_posting_a_delete_on_the_private_incident(name, world):
    _make_private(world)
    client = Client()
    client.force_login(world.users["outsider"])
    row = TABLE[f"incidents:{name}"]
    response = client.post(_path(f"incidents:{name}", row, world))
    assert response.status_code == 404
    assert world.incident.timeline_events.filter(pk=world.event.pk).exists()
    assert world.incident.causes.filter(pk=world.cause.pk).exists()
    assert world.incident.action_items.filter(pk=world.item.pk).exists()
