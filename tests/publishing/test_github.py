"""Postmortems in a GitHub repository, over its contents, refs and pulls APIs (a fake)."""

import pytest

from publishing import delivering, services
from publishing.models import PublishDelivery, RepositoryFile
from publishing.remotes import RemoteError, remote_for
from publishing.remotes.base import Author
from tests.publishing.conftest import make_connection, publish, publish_two_versions, seed
from tests.publishing.fakes import FakeGitHub

pytestmark = pytest.mark.django_db

ANN = Author(name="Ann Author", email="ann@example.com")


@pytest.fixture
def github(httpserver):
    host = FakeGitHub(httpserver)
    seed(host.store)
    return host


def connect(team, github, mode="direct", token="host-token"):
    return make_connection(team, kind="github", repository=github.repo, api_url=github.url,
                           mode=mode, token=token)  # fmt: skip


def test_the_first_import_reads_the_folder_through_the_api(team, github, manager):
    connection = connect(team, github)

    run = services.import_folder(connection=connection, actor=manager)

    assert [(r["path"], r["outcome"]) for r in run.results] == [
        ("postmortems/2024-03-payments.md", "imported"),
        ("postmortems/2024-06-03-dns.md", "imported"),
    ]
    again = services.import_folder(connection=connection, actor=manager)
    assert {r["outcome"] for r in again.results} == {"known"}


def test_publishing_directly_commits_with_the_publishers_name(
    team, github, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, github)
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")

    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)

    row = PublishDelivery.objects.get()
    assert row.status == "sent" and row.commit == github.store.heads["main"]
    last = github.store.log[-1]
    assert last["author"] == "Lena Lead <lena@example.com>"
    assert "Signed-off-by: Lena Lead <lena@example.com>" in last["message"]
    assert github.store.files()[file.path] == row.version.markdown
    assert services.take_incoming(connection=connection) == []


def test_pull_request_mode_opens_one_request_however_often_it_is_tried(team, github):
    connection = connect(team, github, mode="pull_request")
    remote = remote_for(connection)
    args = dict(path="postmortems/new.md", text="# New\n", message="Publish", author=ANN,
                branch="postmortems/INC-1-v1", title="Postmortem INC-1 v1")  # fmt: skip

    first = remote.publish(**args)
    second = remote.publish(**args)

    assert first == second
    assert first.pull_request_url == f"https://github.com/{github.repo}/pull/1"
    assert len(github.pulls) == 1
    assert github.calls("PUT", "/contents/") == 1
    assert "postmortems/new.md" not in github.store.files("main")


def test_an_existing_branch_and_pull_request_are_found_not_doubled(team, github):
    connection = connect(team, github, mode="pull_request")
    github.store.commit("postmortems/INC-1-v1", {}, start="main")
    github.fail_next("GET", r"/pulls$", 200, [])  # the list lags: the create says it exists
    remote_for(connection).publish(
        path="postmortems/new.md", text="# New\n", message="Publish", author=ANN,
        branch="postmortems/INC-1-v1", title="t",
    )  # fmt: skip
    github.fail_next("GET", r"/pulls$", 200, [])
    written = remote_for(connection).publish(
        path="postmortems/new.md", text="# Newer\n", message="Publish", author=ANN,
        branch="postmortems/INC-1-v1", title="t",
    )  # fmt: skip

    assert len(github.pulls) == 1 and written.pull_request_url.endswith("/pull/1")


def test_a_merged_request_is_no_change_but_a_later_edit_comes_back(
    team, github, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, github, mode="pull_request")
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)
    assert PublishDelivery.objects.get().pull_request_url.endswith("/pull/1")
    assert services.take_incoming(connection=connection) == []  # not merged yet

    github.merge_pull(1)
    assert services.take_incoming(connection=connection) == []  # ours, merged

    text = github.store.files()[file.path]
    github.store.commit("main", {file.path: text + "\nEdited on GitHub.\n"})
    (revision,) = services.take_incoming(connection=connection)
    assert revision.markdown.endswith("Edited on GitHub.\n")


@pytest.mark.parametrize(
    ("status", "body", "headers", "transient", "said"),
    [
        (401, {"message": "Bad credentials"}, {}, False,
         "GitHub refused the token (401: Bad credentials)"),
        (403, {"message": "Resource not accessible by personal access token"}, {}, False,
         "needs Contents and Pull requests"),
        (403, {"message": "API rate limit exceeded for user ID 1."},
         {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9999999999"}, True,
         "rate-limiting us (403: API rate limit exceeded"),
        (404, {"message": "Not Found"}, {}, False, "GitHub knows no repository acme/postmortems"),
        (409, {"message": "postmortems/x.md does not match abc"}, {}, True, "does not match abc"),
        (502, {"message": "Server Error"}, {}, True, "GitHub had an error (502"),
    ],
)  # fmt: skip
def test_the_documented_errors_are_explained_and_retried_when_that_can_help(
    team, github, status, body, headers, transient, said
):
    connection = connect(team, github)
    github.fail_next("PUT", r"/contents/", status, body, headers)

    with pytest.raises(RemoteError) as caught:
        remote_for(connection).publish(path="postmortems/x.md", text="# X\n", message="m",
                                       author=ANN, branch="main", title="t")  # fmt: skip

    assert caught.value.transient is transient
    assert said in str(caught.value)


def test_a_refused_token_fails_the_publication_and_shows_the_reason(
    team, github, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, github, token="wrong")
    from tests.factories import IncidentFactory, PostmortemFactory

    with django_capture_on_commit_callbacks(execute=True):
        publish(PostmortemFactory(incident=IncidentFactory(team=team)), manager)

    row = PublishDelivery.objects.get()
    assert row.status == "failed" and "Bad credentials" in row.last_error
    connection.refresh_from_db()
    assert connection.last_error == "GitHub refused the token (401: Bad credentials)."
    assert delivering.publish(row.pk) == delivering.Outcome()  # failed rows stay failed


def test_a_new_version_closes_the_pull_request_of_the_last_one_still_open(
    team, github, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, github, mode="pull_request")

    publish_two_versions(connection, manager, django_capture_on_commit_callbacks)

    first, second = github.pulls
    assert (first["state"], second["state"]) == ("closed", "open")
    assert first["comments"] == [
        f"Superseded by {second['html_url']}, a later version of this postmortem. "
        "Closed by postmortems."
    ]
    assert [row.status for row in PublishDelivery.objects.order_by("pk")] == ["sent", "sent"]


def test_a_pull_request_that_cannot_be_closed_leaves_the_new_one_published(
    team, github, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, github, mode="pull_request")

    publish_two_versions(
        connection, manager, django_capture_on_commit_callbacks,
        between=lambda: github.fail_next(
            "PATCH", r"/pulls/1$", 403, {"message": "Resource not accessible"}
        ),
    )  # fmt: skip

    assert [p["state"] for p in github.pulls] == ["open", "open"]
    latest = PublishDelivery.objects.latest("pk")
    assert latest.status == "sent" and latest.pull_request_url.endswith("/pull/2")
