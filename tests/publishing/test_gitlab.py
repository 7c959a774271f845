"""Postmortems in a GitLab project, over its files, branches and merge requests APIs (a fake)."""

import pytest

from publishing import services
from publishing.models import PublishDelivery, RepositoryFile
from publishing.remotes import RemoteError, remote_for
from publishing.remotes.base import Author
from tests.publishing.conftest import make_connection, publish, publish_two_versions, seed
from tests.publishing.fakes import FakeGitLab

pytestmark = pytest.mark.django_db

ANN = Author(name="Ann Author", email="ann@example.com")


@pytest.fixture
def gitlab(httpserver):
    host = FakeGitLab(httpserver)
    seed(host.store)
    return host


def connect(team, gitlab, mode="direct", token="host-token"):
    return make_connection(team, kind="gitlab", repository=gitlab.repo, api_url=gitlab.url,
                           mode=mode, token=token)  # fmt: skip


def test_the_first_import_reads_every_page_of_the_folder(team, gitlab, manager):
    from publishing.remotes import gitlab as module

    gitlab.store.commit("main", {f"postmortems/extra-{n}.md": "" for n in range(150)})
    connection = connect(team, gitlab)

    run = services.import_folder(connection=connection, actor=manager)

    assert len(run.results) == 152  # two pages of 100
    assert run.count("imported") == 2 and run.count("failed") == 150
    assert gitlab.calls("GET", "/repository/tree") == 2
    assert module.PAGES >= 2


def test_publishing_directly_commits_with_the_publishers_name(
    team, gitlab, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, gitlab)
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")

    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)

    row = PublishDelivery.objects.get()
    assert row.status == "sent" and row.commit == gitlab.store.heads["main"]
    last = gitlab.store.log[-1]
    assert last["author"] == "Lena Lead <lena@example.com>"
    assert "Signed-off-by: Lena Lead <lena@example.com>" in last["message"]
    assert gitlab.store.files()[file.path] == row.version.markdown


def test_a_merge_request_is_opened_once_and_its_merge_is_no_change(
    team, gitlab, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, gitlab, mode="pull_request")
    services.import_folder(connection=connection, actor=manager)
    file = RepositoryFile.objects.get(path="postmortems/2024-06-03-dns.md")
    with django_capture_on_commit_callbacks(execute=True):
        publish(file.incident.postmortem, manager)
    row = PublishDelivery.objects.get()
    assert row.pull_request_url == f"https://gitlab.com/{gitlab.repo}/-/merge_requests/1"

    again = remote_for(connection).publish(
        path=row.path, text=row.version.markdown, message="m", author=ANN, branch=row.branch,
        title="t",
    )  # fmt: skip
    assert again.pull_request_url == row.pull_request_url and len(gitlab.merge_requests) == 1

    gitlab.merge(1)
    assert services.take_incoming(connection=connection) == []
    gitlab.store.commit("main", {file.path: "# DNS resolution failures\n\nOn GitLab.\n"})
    (revision,) = services.take_incoming(connection=connection)
    assert revision.markdown.endswith("On GitLab.\n")


def test_a_merge_request_the_list_missed_is_found_after_gitlabs_409(team, gitlab):
    connection = connect(team, gitlab, mode="pull_request")
    args = dict(path="postmortems/new.md", text="# New\n", message="m", author=ANN,
                branch="postmortems/INC-1-v1", title="t")  # fmt: skip
    remote_for(connection).publish(**args)
    gitlab.fail_next("GET", r"/merge_requests$", 200, [])

    written = remote_for(connection).publish(**{**args, "text": "# Newer\n"})

    assert written.pull_request_url.endswith("/merge_requests/1")
    assert len(gitlab.merge_requests) == 1


@pytest.mark.parametrize(
    ("method", "status", "body", "transient", "said"),
    [
        ("GET", 401, {"message": "401 Unauthorized"}, False,
         "GitLab refused the token (401: 401 Unauthorized)"),
        ("POST", 404, {"message": "404 Project Not Found"}, False,
         "GitLab knows no project acme/postmortems"),
        ("PUT", 400, {"message": "You are attempting to update a file that has changed since "
                                 "you started editing it."}, True, "has changed since"),
        ("PUT", 403, {"message": "403 Forbidden"}, False, "needs the api scope"),
        ("PUT", 429, {"message": "Retry later"}, True, "rate-limiting us (429"),
    ],
)  # fmt: skip
def test_the_documented_errors_are_explained_and_retried_when_that_can_help(
    team, gitlab, method, status, body, transient, said
):
    connection = connect(team, gitlab)
    gitlab.fail_next(method, r"/repository/files/", status, body)

    # A new file is created (POST), one that is there updated (PUT); both are read first.
    path = "postmortems/new.md" if method == "POST" else "postmortems/2024-06-03-dns.md"

    with pytest.raises(RemoteError) as caught:
        remote_for(connection).publish(path=path, text="# X\n", message="m", author=ANN,
                                       branch="main", title="t")  # fmt: skip

    assert caught.value.transient is transient
    assert said in str(caught.value)


def test_a_new_version_closes_the_merge_request_of_the_last_one_still_open(
    team, gitlab, manager, django_capture_on_commit_callbacks
):
    connection = connect(team, gitlab, mode="pull_request")

    publish_two_versions(connection, manager, django_capture_on_commit_callbacks)

    first, second = gitlab.merge_requests
    assert (first["state"], second["state"]) == ("closed", "opened")
    assert first["notes"] == [
        f"Superseded by {second['web_url']}, a later version of this postmortem. "
        "Closed by postmortems."
    ]
