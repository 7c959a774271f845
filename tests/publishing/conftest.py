import time
from pathlib import Path

import pytest
from dulwich.object_store import commit_tree_changes, iter_tree_contents
from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo

from postmortems import services as postmortem_services
from postmortems.models import Postmortem, Review
from publishing.models import RepositoryConnection, RepositoryFile
from tests.factories import TeamFactory, UserFactory

SAMPLES = Path(__file__).parent.parent / "postmortems" / "samples"


class BareRepo:
    """A real git repository on disk, bare, as a server holds it: the remote of the tests.

    Changes are committed into it directly, as a merge on the host would leave them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = Repo.init_bare(str(path), mkdir=True)
        self.repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def head(self, branch: str = "main") -> bytes | None:
        return self.repo.refs.as_dict().get(f"refs/heads/{branch}".encode())

    def commit(self, files: dict[str, str], *, message: str = "Change", branch: str = "main",
               author: str = "Rita Repo <rita@example.com>") -> str:  # fmt: skip
        parent = self.head(branch)
        tree = self.repo[parent].tree if parent else None
        if tree is None:
            empty = Tree()
            self.repo.object_store.add_object(empty)
            tree = empty.id
        changes = []
        for path, text in files.items():
            blob = Blob.from_string(text.encode())
            self.repo.object_store.add_object(blob)
            changes.append((path.encode(), 0o100644, blob.id))
        commit = Commit()
        commit.tree = commit_tree_changes(self.repo.object_store, self.repo[tree], changes)
        commit.parents = [parent] if parent else []
        commit.author = commit.committer = author.encode()
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.message = message.encode()
        self.repo.object_store.add_object(commit)
        self.repo.refs[f"refs/heads/{branch}".encode()] = commit.id
        return commit.id.decode()

    def reopen(self) -> None:
        """Read again what pushes wrote since."""
        self.repo.close()
        self.repo = Repo(str(self.path))

    def files(self, branch: str = "main") -> dict[str, str]:
        self.reopen()
        head = self.head(branch)
        return {
            e.path.decode(): self.repo[e.sha].data.decode()
            for e in iter_tree_contents(self.repo.object_store, self.repo[head].tree)
        }

    def last_commit(self, branch: str = "main") -> Commit:
        self.reopen()
        return self.repo[self.head(branch)]

    def branches(self) -> list[str]:
        self.reopen()
        return sorted(
            ref.decode().removeprefix("refs/heads/")
            for ref in self.repo.refs.as_dict()
            if ref.startswith(b"refs/heads/")
        )


@pytest.fixture
def remote(tmp_path):
    repo = BareRepo(tmp_path / "postmortems.git")
    repo.commit(
        {
            "README.md": "# Our postmortems\n",
            "postmortems/2024-06-03-dns.md": (SAMPLES / "05_table_timeline.md").read_text(),
            "postmortems/2024-03-payments.md": (SAMPLES / "03_bullets_24h_pst.md").read_text(),
            "postmortems/empty.md": "",
        },
        message="Our postmortems so far",
    )
    yield repo
    repo.repo.close()


@pytest.fixture
def manager(db):
    return UserFactory(username="lead", first_name="Lena", last_name="Lead",
                       email="lena@example.com")  # fmt: skip


@pytest.fixture
def team(manager):
    return TeamFactory(name="Platform", manager=manager)


def make_connection(team, **fields) -> RepositoryConnection:
    secret = fields.pop("webhook_secret", "hook-secret")
    token = fields.pop("token", "")
    connection = RepositoryConnection(team=team, folder="postmortems", **fields)
    if token:
        connection.set_token(token)
    connection.set_webhook_secret(secret)
    connection.save()
    return connection


@pytest.fixture
def connection(team, remote) -> RepositoryConnection:
    return make_connection(team, kind="git", remote_url=remote.url, mode="direct")


def publish(postmortem: Postmortem, actor) -> Postmortem:
    """Publish through the real service: in review, approved as it is, then published."""
    postmortem.refresh_from_db()
    if postmortem.status == Postmortem.Status.DRAFT:
        postmortem.reviewers.add(actor)
        Postmortem.objects.filter(pk=postmortem.pk).update(status=Postmortem.Status.IN_REVIEW)
        postmortem.refresh_from_db()
    Review.objects.create(postmortem=postmortem, reviewer=actor, decision="approve",
                          postmortem_version=postmortem.version)  # fmt: skip
    return postmortem_services.postmortem_publish(postmortem=postmortem, actor=actor)


def publish_two_versions(connection, manager, capture, *, between=None) -> None:
    """Import the folder, publish the DNS postmortem, reopen it and publish it again (what
    `between` does happens before the second publication)."""
    from publishing import services

    services.import_folder(connection=connection, actor=manager)
    postmortem = RepositoryFile.objects.get(
        path="postmortems/2024-06-03-dns.md"
    ).incident.postmortem
    with capture(execute=True):
        publish(postmortem, manager)
    postmortem_services.postmortem_reopen(
        postmortem=postmortem, actor=manager, reason="One more action item"
    )
    if between is not None:
        between()
    with capture(execute=True):
        publish(postmortem, manager)


def seed(store) -> None:
    """Give a fake host's repository the folder the tests import."""
    store.commit(
        "main",
        {
            "README.md": "# Our postmortems\n",
            "postmortems/2024-06-03-dns.md": (SAMPLES / "05_table_timeline.md").read_text(),
            "postmortems/2024-03-payments.md": (SAMPLES / "03_bullets_24h_pst.md").read_text(),
        },
        message="Our postmortems so far",
    )
