"""The whole-site backup holds every kind of row some app registered; nothing is forgotten."""

import json

import pytest
from django.apps import apps

from alerts.models import AlertEvent, AlertLink, AlertSource
from alerts.services import source_create
from api.models import ApiToken
from chat.models import ChatConnection, ChatNotifyChoice, ChatUserLink, IncidentChannel
from confluence.models import ConfluenceConnection, ConfluenceDelivery, ConfluencePage
from core.backup_registry import backed_up, excluded
from incidents.models import TrackerIssue
from notifications.models import Follow, Notification, NotificationEmail, NotificationPreference
from postmortems.exporting.backup import MODELS, _file_key, dump_json, export_data, import_data
from postmortems.models import (
    Comment,
    CommentThread,
    PostmortemTemplate,
    PublishedVersion,
    TeamTemplateDefault,
    TemplateChange,
)
from publishing.models import (
    IncomingRevision,
    PublishDelivery,
    RepositoryConnection,
    RepositoryFile,
)
from search.models import RecurrenceLink
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    ChangeRecordFactory,
    IncidentFactory,
    PostmortemFactory,
    ReviewFactory,
    ServiceFactory,
    TagFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)
from trackers.models import (
    TrackerAccount,
    TrackerConnection,
    TrackerIssueCreation,
    TrackerIssueUpdate,
    TrackerRepositoryRename,
)
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

TRACKER_TOKEN = "github_pat_backup_secret_123"
ALERT_SECRET = "pagerduty-backup-signing-secret"
CONFLUENCE_TOKEN = "ATATT-confluence-backup-secret"
REPOSITORY_TOKEN = "github_pat_repository_secret_456"


def test_every_installed_model_is_backed_up_or_left_out_with_a_reason():
    kept = {entry.model._meta.label_lower for entry in backed_up()}
    left_out = excluded()
    installed = {model._meta.label_lower for model in apps.get_models()}
    assert installed - kept - set(left_out) == set(), "register it in its app's ready()"
    assert kept & set(left_out) == set()
    assert all(reason.strip() for reason in left_out.values())


def test_models_come_after_the_models_they_point_at():
    seen: set = set()
    for model in MODELS:
        for field in model._meta.get_fields():
            target = field.related_model if field.is_relation and field.concrete else None
            if target is not None and target is not model and target in set(MODELS):
                assert target in seen, f"{model} before {target}"
        seen.add(model)


@pytest.fixture
def every_kind_of_row():
    alice = UserFactory(username="alice")
    team = TeamFactory(name="Web", manager=alice, members=[alice])
    incident = IncidentFactory(team=team, commander=alice)
    other = IncidentFactory(team=team)
    incident.services.add(ServiceFactory(team=team))
    incident.tags.add(TagFactory(name="outage"))
    TimelineEventFactory(incident=incident, author=alice)
    CauseFactory(incident=incident)
    TeamTemplateDefault.objects.create(team=team, template=PostmortemTemplate.objects.first())
    TemplateChange.objects.create(
        template=PostmortemTemplate.objects.first(), actor=alice, lines=["Renamed to “Ours”"]
    )
    item = ActionItemFactory(incident=incident, owner=alice)
    record = ChangeRecordFactory(incident=incident, actor=alice)
    postmortem = PostmortemFactory(incident=incident, authors=[alice], reviewers=[alice])
    ReviewFactory(postmortem=postmortem, reviewer=alice)
    version = PublishedVersion.objects.create(postmortem=postmortem, number=1, published_by=alice,
                                    html="<p>v1</p>", data={"v": 1}, markdown="v1")  # fmt: skip
    thread = CommentThread.objects.create(postmortem=postmortem, section="timeline",
                                          created_by=alice, action_item=item)  # fmt: skip
    Comment.objects.create(thread=thread, author=alice, body="Why **this**?")
    issue = TrackerIssue.objects.create(
        action_item=item, kind="github", key="acme/web#1",
        url="https://github.com/acme/web/issues/1", state="open",
    )  # fmt: skip
    connection = TrackerConnection(team=team, kind="github", github_repository="acme/web")
    connection.set_token(TRACKER_TOKEN)
    connection.set_webhook_secret("tracker-hook-secret")
    connection.save()
    TrackerAccount.objects.create(user=alice, github_login="alice")
    TrackerIssueCreation.objects.create(action_item=item, connection=connection, status="sent")
    TrackerIssueUpdate.objects.create(issue=issue, connection=connection, state="closed",
                                      status="sent")  # fmt: skip
    TrackerRepositoryRename.objects.create(connection=connection, old_name="acme/website",
                                           new_name="acme/web", issues_renamed=1)  # fmt: skip
    chat = ChatConnection(team=team, kind="slack", name="Acme", workspace_id="T1")
    chat.set_bot_token("xoxb-chat-token")
    chat.set_signing_secret("chat-signing-secret")
    chat.save()
    ChatUserLink.objects.create(connection=chat, user=alice, chat_user_id="U1")
    IncidentChannel.objects.create(incident=incident, connection=chat, channel_id="C1")
    ChatNotifyChoice.objects.create(user=alice, reminders="both", notifications="chat")
    repository = RepositoryConnection(team=team, kind="github", repository="acme/postmortems")
    repository.set_token(REPOSITORY_TOKEN)
    repository.set_webhook_secret("repository-hook-secret")
    repository.save()
    file = RepositoryFile.objects.create(connection=repository, incident=incident, path="a.md",
                                         synced_blob="b1", known_blobs=["b1"])  # fmt: skip
    PublishDelivery.objects.create(connection=repository, postmortem=postmortem, version=version,
                                   status="sent", commit="c1")  # fmt: skip
    IncomingRevision.objects.create(file=file, blob="b2", markdown="# Changed there")
    RecurrenceLink.objects.create(incident=other, same_as=incident, created_by=alice)
    email = NotificationEmail.objects.create(recipient=alice, status="sent")
    Notification.objects.create(
        recipient=alice, actor=alice, kind="comment", incident=incident, record=record,
        text="Alice commented", url="/x#c1", email=email,
    )  # fmt: skip
    Follow.objects.create(user=alice, incident=incident)
    NotificationPreference.objects.create(user=alice, kind="comment", in_app=True, email=False)
    WebhookEndpoint.objects.create(team=team, url="https://hooks.example.com/pm", events=["*"])
    ApiToken.issue(user=alice, name="deploy bot", scope="read")
    source, _ = source_create(
        source=AlertSource(team=team, kind="pagerduty", name="PagerDuty"),
        actor=alice,
        given_secret=ALERT_SECRET,
    )
    source.service_rules.create(sender_name="API Service", service=incident.services.get())
    AlertLink.objects.create(source=source, key="d3640fbd", incident=incident)
    AlertEvent.objects.create(source=source, fact="f" * 64, key="d3640fbd", alert_id="PGR0VU2",
                              action="triggered", occurred_at=incident.started_at,
                              incident=incident)  # fmt: skip
    wiki = ConfluenceConnection(team=team, site_url="https://acme.atlassian.net",
                                email="bot@acme.com", space_key="ENG",
                                parent_page_id="1000")  # fmt: skip
    wiki.set_token(CONFLUENCE_TOKEN)
    wiki.save()
    ConfluencePage.objects.create(postmortem=postmortem, connection=wiki, page_id="2001",
                                  page_version=1, published_version=1)  # fmt: skip
    ConfluenceDelivery.objects.create(postmortem=postmortem, connection=wiki, status="sent")
    return incident


def _empty_database() -> None:
    for model in reversed(MODELS):
        model._default_manager.all().delete()


def test_a_restore_brings_back_every_kind_of_row(every_kind_of_row):
    before = dump_json(export_data())
    counts_before = {key: len(rows) for key, rows in json.loads(before)["models"].items()}
    empty = [key for key, count in counts_before.items() if count == 0]
    assert empty == [], "the fixture makes a row of every backed-up model"

    _empty_database()
    counts = import_data(json.loads(before))

    assert counts == counts_before
    assert dump_json(export_data()) == before
    connection = TrackerConnection.objects.get()
    assert connection.token == TRACKER_TOKEN  # still decrypts with the same keys
    assert AlertSource.objects.get().secret == ALERT_SECRET
    assert RepositoryConnection.objects.get().token == REPOSITORY_TOKEN
    assert TrackerIssue.objects.get().key == "acme/web#1"
    assert ConfluenceConnection.objects.get().token == CONFLUENCE_TOKEN
    assert Comment.objects.get().body == "Why **this**?"


def data_of(text: str) -> dict:
    return json.loads(text)["models"]


def test_secrets_stay_encrypted_or_hashed_or_out_of_the_file(every_kind_of_row):
    text = dump_json(export_data())
    assert TRACKER_TOKEN not in text and "tracker-hook-secret" not in text
    assert ALERT_SECRET not in text
    assert CONFLUENCE_TOKEN not in text
    (wiki,) = data_of(text)["confluence.confluenceconnection"]
    assert wiki["fields"]["token_encrypted"] == ConfluenceConnection.objects.get().token_encrypted
    assert "xoxb-chat-token" not in text and "chat-signing-secret" not in text
    assert REPOSITORY_TOKEN not in text and "repository-hook-secret" not in text
    data = json.loads(text)["models"]
    (connection,) = data["trackers.trackerconnection"]
    assert (
        connection["fields"]["token_encrypted"] == TrackerConnection.objects.get().token_encrypted
    )
    (token,) = data["api.apitoken"]
    assert token["fields"]["key_hash"] == ApiToken.objects.get().key_hash
    (endpoint,) = data["webhooks.webhookendpoint"]
    assert "secret" not in endpoint["fields"]
    assert WebhookEndpoint.objects.get().secret not in text


def test_a_backup_without_private_incidents_leaves_out_everything_on_them(every_kind_of_row):
    every_kind_of_row.is_private = True
    every_kind_of_row.save()
    data = export_data()["models"]
    for model in (TrackerIssue, Comment, CommentThread, PublishedVersion, RecurrenceLink,
                  Notification, Follow, TrackerIssueCreation, TrackerIssueUpdate, AlertLink,
                  AlertEvent, ConfluencePage, ConfluenceDelivery, IncidentChannel,
                  RepositoryFile, PublishDelivery, IncomingRevision):  # fmt: skip
        assert data[_file_key(model)] == [], model
    assert len(data["incidents.incident"]) == 1  # the other, public one


def test_an_older_file_without_the_new_kinds_still_restores(every_kind_of_row):
    data = export_data()
    for key in list(data["models"]):
        if key.split(".")[0] in {
            "trackers",
            "webhooks",
            "api",
            "notifications",
            "search",
            "publishing",
        }:
            del data["models"][key]
    data["models"]["incidents.trackerissue"] = []
    for key in ("postmortems.publishedversion", "postmortems.commentthread", "postmortems.comment"):
        del data["models"][key]
    _empty_database()
    counts = import_data(json.loads(json.dumps(data)))
    assert counts["incidents.incident"] == 2 and counts["trackers.trackerconnection"] == 0
