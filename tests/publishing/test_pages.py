"""The pages: connections, the first import's results, a change beside ours, the notice."""

import pytest
from django.urls import reverse

from publishing import services
from publishing.models import IncomingRevision, RepositoryConnection, RepositoryFile
from tests.factories import TeamFactory, UserFactory
from tests.publishing.conftest import make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(connection, manager):
    services.import_folder(connection=connection, actor=manager)
    return RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")


def test_a_manager_connects_a_git_remote_and_sees_the_secret_once(client, manager, team, remote):
    client.force_login(manager)
    response = client.post(reverse("publishing:create"), {
        "team": team.pk, "kind": "git", "remote_url": remote.url, "branch": "main",
        "folder": "postmortems", "mode": "direct", "token": "s3cret-token",
    })  # fmt: skip

    assert response.status_code == 200
    connection = RepositoryConnection.objects.get()
    assert connection.token == "s3cret-token" and "s3cret-token" not in connection.token_encrypted
    page = response.content.decode()
    assert connection.webhook_secret in page and "s3cret-token" not in page
    again = client.get(connection.get_absolute_url()).content.decode()
    assert connection.webhook_secret not in again


def test_a_remote_on_a_private_address_or_another_scheme_is_refused(client, manager, team):
    client.force_login(manager)
    response = client.post(reverse("publishing:create"), {
        "team": team.pk, "kind": "git", "remote_url": "ftp://example.com/x.git",
        "branch": "main", "mode": "direct",
    })  # fmt: skip
    assert "Give the remote as https://" in response.content.decode()
    assert not RepositoryConnection.objects.exists()


def test_the_import_results_list_each_file_with_its_warnings(client, manager, imported):
    client.force_login(manager)
    page = client.get(imported.connection.get_absolute_url()).content.decode()

    assert "Import again" in page
    assert "postmortems/2024-03-payments.md" in page
    assert "Not imported: the document is empty" in page
    run = imported.connection.import_runs.get()
    warning = next(r for r in run.results if r["warnings"])["warnings"][0]
    assert warning.replace("'", "&#x27;").replace('"', "&quot;") in page


def test_the_connection_pages_ask_a_fixed_number_of_queries(
    client, manager, team, remote, imported, django_assert_max_num_queries
):
    for n in range(3):
        make_connection(team, kind="git", remote_url=f"{remote.url}?{n}", mode="direct")
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("publishing:list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(imported.connection.get_absolute_url()).status_code == 200


def test_another_teams_manager_may_not_see_the_connection(client, connection):
    other = UserFactory(username="other-lead")
    TeamFactory(name="Other", manager=other)
    client.force_login(other)
    assert client.get(connection.get_absolute_url()).status_code == 403


def test_a_conflict_shows_both_texts_side_by_side_escaped(client, manager, imported, remote):
    incident = imported.incident
    incident.summary = "Ours <b>here</b>."
    incident.save()
    remote.commit({imported.path: "# DNS resolution failures\n\n<script>alert(1)</script>\n"})
    (revision,) = services.take_incoming(connection=imported.connection)
    client.force_login(manager)

    document = client.get(reverse("postmortems:document", args=[incident.pk])).content.decode()
    assert "Changed on both sides:" in document and revision.get_absolute_url() in document

    page = client.get(revision.get_absolute_url()).content.decode()
    assert "Changed on both sides." in page
    assert 'class="diff"' in page and "In the repository" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;b&gt;here&lt;/b&gt;" in page and "<b>here" not in page


def test_an_author_accepts_from_the_page_and_a_reader_may_not(client, manager, imported, remote):
    text = remote.files()[imported.path]
    remote.commit({imported.path: text + "\n## Resolution <!-- pm:resolution -->\n\nBy hand.\n"})
    (revision,) = services.take_incoming(connection=imported.connection)
    reader = UserFactory(username="reader")
    client.force_login(reader)
    assert client.post(reverse("publishing:revision_accept", args=[revision.pk])).status_code == 403
    assert "Accept the repository" not in client.get(revision.get_absolute_url()).content.decode()

    client.force_login(manager)
    response = client.post(reverse("publishing:revision_accept", args=[revision.pk]), follow=True)

    assert "The repository&#x27;s text is now the draft" in response.content.decode()
    revision.refresh_from_db()
    assert revision.status == IncomingRevision.Status.ACCEPTED
    assert imported.incident.postmortem.section_body("resolution") == "By hand."
    twice = client.post(reverse("publishing:revision_accept", args=[revision.pk]), follow=True)
    assert "This change was accepted already." in twice.content.decode()


def test_a_change_to_a_private_incident_is_hidden_from_those_who_may_not_see_it(
    client, manager, imported, remote
):
    remote.commit({imported.path: "# DNS resolution failures\n\nChanged.\n"})
    (revision,) = services.take_incoming(connection=imported.connection)
    imported.incident.is_private = True
    imported.incident.save()
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    assert client.get(revision.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("model", ["repositoryconnection", "publishdelivery", "incomingrevision"])
def test_the_admin_lists_repositories_and_what_is_owed_without_secrets(
    admin_client, imported, remote, model
):
    remote.commit({imported.path: "# DNS resolution failures\n\nChanged.\n"})
    services.take_incoming(connection=imported.connection)
    response = admin_client.get(f"/admin/publishing/{model}/")
    assert response.status_code == 200
    change = admin_client.get(f"/admin/publishing/repositoryconnection/{imported.connection_id}/")
    assert "hook-secret" not in change.content.decode()
    assert "webhook_secret_encrypted" not in change.content.decode()
