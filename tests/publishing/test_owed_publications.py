"""A publication is an owed row: claimed, tried again, recovered, written exactly once."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from core import deliveries, events
from publishing import delivering, services
from publishing.handlers import CONSUMER
from publishing.models import IncomingRevision, PublishDelivery, RepositoryFile
from tests.publishing.conftest import make_connection, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(connection, manager):
    services.import_folder(connection=connection, actor=manager)
    return RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")


def owe(file, manager, django_capture_on_commit_callbacks):
    """Publish, and let the consumer owe the row, without a worker trying it yet."""
    with django_capture_on_commit_callbacks(execute=False):
        publish(file.incident.postmortem, manager)
        events.handle_pending(CONSUMER)
    return PublishDelivery.objects.get()


def test_publishing_owes_one_row_per_repository_made_after_commit(
    imported, manager, django_capture_on_commit_callbacks
):
    row = owe(imported, manager, django_capture_on_commit_callbacks)
    assert row.status == "pending" and row.version.number == 1
    # The event handled again (a lost acknowledgement) owes nothing twice.
    services.publication_owe(version=row.version, actor=manager)
    assert PublishDelivery.objects.count() == 1


def test_a_try_after_a_worker_died_past_the_push_commits_nothing_twice(
    imported, remote, manager, django_capture_on_commit_callbacks
):
    row = owe(imported, manager, django_capture_on_commit_callbacks)
    delivering.publish(row.pk)
    head = remote.head()
    # As if the worker died after pushing, before the row was marked: the claim goes stale.
    PublishDelivery.objects.filter(pk=row.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )

    delivering.publish(row.pk)

    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    remote.reopen()
    assert remote.head() == head
    assert row.commit == head.decode()


def test_a_second_nudge_of_a_row_being_sent_does_nothing(
    imported, remote, manager, django_capture_on_commit_callbacks
):
    row = owe(imported, manager, django_capture_on_commit_callbacks)
    claimed = deliveries.claim(PublishDelivery, row.pk)
    head = remote.head()

    assert delivering.publish(row.pk) == delivering.Outcome()

    assert PublishDelivery.objects.get(pk=claimed.pk).status == "sending"
    remote.reopen()
    assert remote.head() == head


def test_a_remote_that_hangs_up_is_tried_again_and_recovery_nudges_it(
    imported, remote, manager, django_capture_on_commit_callbacks, tmp_path, monkeypatch
):
    connection = imported.connection
    real_url = connection.remote_url
    row = owe(imported, manager, django_capture_on_commit_callbacks)
    from publishing.remotes import git

    def hang_up(*args, **kwargs):
        raise ConnectionResetError("Connection reset by peer")

    monkeypatch.setattr(git.porcelain, "clone", hang_up)
    outcome = delivering.publish(row.pk)

    row.refresh_from_db()
    connection.refresh_from_db()
    assert row.status == "pending" and outcome.retry_in == 1
    assert "Connection reset by peer" in row.last_error
    assert "The remote hung up: Connection reset by peer" in connection.last_error
    monkeypatch.undo()
    assert connection.remote_url == real_url

    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries.recover_owed(later)

    assert counts["publication"] == 1
    row.refresh_from_db()
    assert row.status == "sent"
    connection.refresh_from_db()
    assert connection.last_error == ""


def test_a_remote_refusing_for_good_fails_the_row_with_its_reason(
    team, manager, tmp_path, django_capture_on_commit_callbacks
):
    from tests.factories import IncidentFactory, PostmortemFactory

    connection = make_connection(
        team, kind="git", remote_url=(tmp_path / "gone.git").as_uri(), mode="direct"
    )
    incident = IncidentFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        publish(PostmortemFactory(incident=incident), manager)

    row = PublishDelivery.objects.get()
    assert row.status == "failed"
    connection.refresh_from_db()
    assert "no git repository" in connection.last_error.lower()


def test_an_incident_made_private_before_the_try_is_skipped(
    imported, remote, manager, django_capture_on_commit_callbacks
):
    row = owe(imported, manager, django_capture_on_commit_callbacks)
    imported.incident.is_private = True
    imported.incident.save()
    head = remote.head()

    delivering.publish(row.pk)

    row.refresh_from_db()
    assert row.status == "skipped"
    remote.reopen()
    assert remote.head() == head


def _push_body() -> bytes:
    return json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()


def test_a_signed_push_webhook_takes_the_change_in(
    imported, remote, client, django_capture_on_commit_callbacks
):
    remote.commit({imported.path: "# DNS resolution failures\n\nChanged there.\n"})
    body = _push_body()
    signature = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/repositories/{imported.connection_id}/hook/", body,
            content_type="application/json", headers={"X-Hub-Signature-256": signature},
        )  # fmt: skip

    assert response.status_code == 202
    assert IncomingRevision.objects.get().markdown.endswith("Changed there.\n")


def test_a_gitlab_push_with_its_token_is_taken_and_a_wrong_one_refused(
    imported, remote, client, django_capture_on_commit_callbacks
):
    url = f"/repositories/{imported.connection_id}/hook/"
    wrong = client.post(url, _push_body(), content_type="application/json",
                        headers={"X-Gitlab-Token": "guess"})  # fmt: skip
    unsigned = client.post(url, _push_body(), content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        right = client.post(url, _push_body(), content_type="application/json",
                            headers={"X-Gitlab-Token": "hook-secret"})  # fmt: skip

    assert (wrong.status_code, unsigned.status_code, right.status_code) == (403, 403, 202)
    assert "does not match" in wrong.content.decode()
    assert client.post("/repositories/999999/hook/", b"{}", content_type="x").status_code == 404


def test_beats_poll_takes_in_changes_of_every_repository_and_keeps_going_past_errors(
    imported, remote, team, tmp_path
):
    from publishing import tasks

    broken = make_connection(team, kind="git", remote_url=(tmp_path / "gone.git").as_uri())
    remote.commit({imported.path: "# DNS resolution failures\n\nPolled.\n"})

    assert tasks.poll_all() == 2

    assert IncomingRevision.objects.get().markdown.endswith("Polled.\n")
    broken.refresh_from_db()
    assert broken.last_error.startswith("There is no git repository at the remote URL")
    imported.connection.refresh_from_db()
    assert imported.connection.last_polled_at is not None
