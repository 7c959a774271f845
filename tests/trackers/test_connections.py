"""Connecting a tracker: managers only, plain answers from "test connection", secrets kept."""

import logging
import re
import sys

import pytest
from django.db import connection as db
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter

from incidents.models import TrackerIssue
from postmortems.exporting import backup
from tests.factories import TeamFactory, UserFactory
from tests.trackers.conftest import GITHUB_TOKEN, JIRA_TOKEN, make_connection
from trackers import crypto, services, views
from trackers.models import TrackerConnection, TrackerIssueCreation

pytestmark = pytest.mark.django_db


def github_form(team, github, **extra):
    return {"team": team.pk, "kind": "github", "github_repository": github.repo,
            "github_api_url": github.api_url, "token": GITHUB_TOKEN, "jira_issue_type": "Task",
            **extra}  # fmt: skip


def test_a_manager_connects_a_repository_and_sees_the_webhook_secret_once(
    client, manager, team, github
):
    client.force_login(manager)
    response = client.post(reverse("trackers:create"), github_form(team, github))
    page = response.content.decode()
    assert response.status_code == 200
    connection = TrackerConnection.objects.get(team=team)
    secret = connection.webhook_secret
    assert "Copy the webhook secret now" in page and secret in page
    assert "Connected to acme/web." in page
    assert GITHUB_TOKEN not in page
    assert f"/trackers/{connection.pk}/hooks/github/" in page
    again = client.get(connection.get_absolute_url()).content.decode()
    assert secret not in again and GITHUB_TOKEN not in again
    edit = client.get(reverse("trackers:edit", args=[connection.pk])).content.decode()
    assert GITHUB_TOKEN not in edit and secret not in edit
    assert "Leave empty to keep the saved token" in edit


def test_saving_without_a_new_token_keeps_the_old_one(client, manager, team, github_connection):
    client.force_login(manager)
    data = {"team": team.pk, "kind": "github", "github_repository": "acme/web",
            "github_api_url": github_connection.github_api_url, "token": "",
            "jira_issue_type": "Task", "create_on_publish": "on"}  # fmt: skip
    response = client.post(reverse("trackers:edit", args=[github_connection.pk]), data)
    assert response.status_code == 302
    github_connection.refresh_from_db()
    assert github_connection.token == GITHUB_TOKEN and github_connection.create_on_publish


def test_the_token_is_encrypted_in_the_database(github_connection, jira):
    make_connection(
        TeamFactory(name="Ops"),
        kind="jira",
        jira_site_url=jira.site,
        jira_project_key="OPS",
        jira_email="bot@example.com",
        token=JIRA_TOKEN,
    )
    with db.cursor() as cursor:
        cursor.execute("SELECT token_encrypted, webhook_secret_encrypted FROM "
                       "trackers_trackerconnection")  # fmt: skip
        stored = " ".join(value for row in cursor.fetchall() for value in row)
    assert GITHUB_TOKEN not in stored and JIRA_TOKEN not in stored and "hook-secret" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert TrackerConnection.objects.get(pk=github_connection.pk).token == GITHUB_TOKEN


def test_a_new_key_first_still_reads_tokens_of_the_old_one(github_connection, settings):
    from cryptography.fernet import Fernet

    old = settings.TRACKER_ENCRYPTION_KEYS
    settings.TRACKER_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    connection = TrackerConnection.objects.get(pk=github_connection.pk)
    assert connection.token == GITHUB_TOKEN
    rotated = crypto.rotate(connection.token_encrypted)
    settings.TRACKER_ENCRYPTION_KEYS = settings.TRACKER_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated) == GITHUB_TOKEN
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(connection.token_encrypted)


def test_without_a_key_the_form_says_what_to_set(client, manager, team, github, settings):
    settings.TRACKER_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    client.force_login(manager)
    response = client.post(reverse("trackers:create"), github_form(team, github))
    assert "no TRACKER_ENCRYPTION_KEYS" in response.content.decode()
    assert not TrackerConnection.objects.exists()


@pytest.mark.parametrize(
    ("path", "status", "body", "said"),
    [
        ("GET /repos/acme/web", 401, {"message": "Bad credentials"},
         "GitHub refused the token (401): it is wrong, expired or revoked."),
        ("GET /repos/acme/web", 404, {"message": "Not Found"},
         "GitHub has no repository acme/web, or the token cannot see it (404)"),
        ("GET /repos/acme/web", 403, {"message": "Resource not accessible by token"},
         "The token may not do this on acme/web (403): give it the Issues permission"),
    ],
)  # fmt: skip
def test_test_connection_says_plainly_what_is_wrong_with_github(
    client, manager, github, github_connection, path, status, body, said
):
    github.fail_next(path, status, body)
    client.force_login(manager)
    response = client.post(reverse("trackers:test", args=[github_connection.pk]), follow=True)
    page = response.content.decode()
    assert said in page
    assert "Failing" in page


def test_test_connection_names_a_missing_jira_project(client, manager, jira, jira_connection):
    jira_connection.jira_project_key = "NOPE"
    jira_connection.save()
    client.force_login(manager)
    response = client.post(reverse("trackers:test", args=[jira_connection.pk]), follow=True)
    assert f"Jira has no project NOPE on {jira.site}" in response.content.decode()
    jira_connection.jira_project_key = "OPS"
    jira_connection.save()
    jira.fail_next("GET /rest/api/3/project/OPS", 401,
                   {"errorMessages": ["Client must be authenticated"], "errors": {}})  # fmt: skip
    response = client.post(reverse("trackers:test", args=[jira_connection.pk]), follow=True)
    assert "Jira refused the e-mail and API token (401)" in response.content.decode()
    response = client.post(reverse("trackers:test", args=[jira_connection.pk]), follow=True)
    assert "Connected to Operations (OPS)." in response.content.decode()


def test_a_missing_field_re_renders_the_form_with_the_text_kept(client, manager, team):
    client.force_login(manager)
    response = client.post(
        reverse("trackers:create"),
        {
            "team": team.pk,
            "kind": "jira",
            "jira_site_url": "https://acme.atlassian.net",
            "jira_project_key": "ops lower",
            "jira_email": "",
            "token": "t",
            "jira_issue_type": "Task",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="https://acme.atlassian.net"' in page and 'value="ops lower"' in page
    assert "Give the project key as Jira shows it" in page
    assert "Needed for this kind of tracker." in page


def test_a_tracker_on_a_private_address_is_refused(client, manager, team, settings):
    settings.TRACKER_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(manager)
    response = client.post(reverse("trackers:create"), {
        "team": team.pk, "kind": "jira", "jira_site_url": "http://127.0.0.1:8080",
        "jira_project_key": "OPS", "jira_email": "a@example.com", "token": "t",
        "jira_issue_type": "Task"})  # fmt: skip
    assert "private, loopback or link-local" in response.content.decode()
    assert not TrackerConnection.objects.exists()


def test_only_the_teams_manager_manages_its_tracker(client, github_connection):
    client.force_login(UserFactory(username="engineer"))
    assert client.get(reverse("trackers:list")).status_code == 403
    other = TeamFactory(name="Search").manager
    client.force_login(other)
    assert client.get(github_connection.get_absolute_url()).status_code == 403
    assert client.post(reverse("trackers:test", args=[github_connection.pk])).status_code == 403
    response = client.get(reverse("trackers:create"))
    assert "Payments" not in response.content.decode()


def test_the_admin_never_shows_the_token(admin_client, github_connection):
    url = reverse("admin:trackers_trackerconnection_change", args=[github_connection.pk])
    page = admin_client.get(url).content.decode()
    assert "acme/web" in page
    assert GITHUB_TOKEN not in page and github_connection.token_encrypted not in page
    assert "hook-secret" not in page


def test_a_backup_holds_tracker_secrets_only_encrypted(github_connection):
    text = backup.dump_json(backup.export_data())
    assert GITHUB_TOKEN not in text and "hook-secret" not in text
    # Written as stored, so a restore with the same TRACKER_ENCRYPTION_KEYS keeps the connection.
    assert github_connection.token_encrypted in text


def test_an_error_page_hides_the_posted_token(manager, team, github, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "connection_save", broken)
    request = RequestFactory().post(reverse("trackers:create"), github_form(team, github))
    request.user = manager
    try:
        views.connection_edit(request)
    except RuntimeError:
        info = sys.exc_info()
    report = ExceptionReporter(request, *info).get_traceback_text()
    html = ExceptionReporter(request, *info).get_traceback_html()
    assert "database went away" in report
    assert GITHUB_TOKEN not in report and GITHUB_TOKEN not in html


def test_failures_are_logged_without_the_token(
    item, github, github_connection, caplog, django_capture_on_commit_callbacks
):
    github.fail_next("POST /repos/acme/web/issues", 401, {"message": "Bad credentials"})
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        services.issue_request(item=item, actor=item.owner)
    assert TrackerIssueCreation.objects.get().status == "failed"
    assert "refused the token" in caplog.text
    assert GITHUB_TOKEN not in caplog.text
    assert GITHUB_TOKEN not in TrackerIssue.objects.get().last_error


def test_the_api_shows_the_issue_but_no_connection(client, item, github_connection):
    TrackerIssue.objects.create(
        action_item=item,
        kind="github",
        key="acme/web#3",
        url="https://github.com/acme/web/issues/3",
        state="closed",
    )
    client.force_login(item.owner)
    response = client.get(f"/api/v1/action-items/{item.pk}/")
    assert response.json()["tracker_issue"]["key"] == "acme/web#3"
    assert response.json()["tracker_issue"]["state"] == "closed"
    assert GITHUB_TOKEN not in response.content.decode()
    assert "/api/v1/trackers" not in client.get("/api/v1/schema/").content.decode()


def test_a_person_sets_their_github_login_in_settings(client, item):
    client.force_login(item.owner)
    assert "You in GitHub and Jira" in client.get(reverse("incidents:settings")).content.decode()
    response = client.post(reverse("trackers:account"), {"github_login": "olivia-gh",
                                                        "jira_account_id": ""})  # fmt: skip
    assert response.status_code == 302
    assert item.owner.tracker_account.github_login == "olivia-gh"
    response = client.post(reverse("trackers:account"), {"github_login": "no spaces"})
    assert "A GitHub login is letters, digits" in response.content.decode()


def test_rotating_keys_re_encrypts_every_connection(github_connection, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    settings.TRACKER_ENCRYPTION_KEYS = [Fernet.generate_key().decode(),
                                        *settings.TRACKER_ENCRYPTION_KEYS]  # fmt: skip
    call_command("rotate_tracker_keys")
    settings.TRACKER_ENCRYPTION_KEYS = settings.TRACKER_ENCRYPTION_KEYS[:1]  # old key gone
    connection = TrackerConnection.objects.get(pk=github_connection.pk)
    assert connection.token == GITHUB_TOKEN and connection.webhook_secret == "hook-secret"


def test_disconnecting_tells_items_waiting_for_an_issue(
    client, manager, item, github, github_connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.issue_request(item=item, actor=item.owner)
    client.force_login(manager)
    response = client.post(reverse("trackers:delete", args=[github_connection.pk]))
    assert response.status_code == 302
    issue = TrackerIssue.objects.get(action_item=item)
    assert (issue.state, issue.last_error) == ("failed", "The tracker was disconnected.")
    assert not TrackerConnection.objects.exists()


def test_the_connect_form_offers_github_or_jira_with_github_picked_and_no_empty_choice(client):
    team = TeamFactory()
    client.force_login(team.manager)
    page = client.get(reverse("trackers:create")).content.decode()
    kinds = re.findall(r'<input type="radio" name="kind" value="([^"]*)"[^>]*>', page)
    assert kinds == ["github", "jira"]
    assert re.search(r'<input type="radio" name="kind" value="github"[^>]*checked', page)
    assert 'data-shown-when="kind=github"' in page and 'data-shown-when="kind=jira"' in page
