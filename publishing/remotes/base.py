"""What every remote does, and what it fails with."""

from dataclasses import dataclass

from publishing.models import RepositoryConnection, blob_sha

MARKDOWN_SUFFIXES = (".md", ".markdown")


class RemoteError(Exception):
    """A call to the repository failed; the message carries the remote's reason for people.

    transient: a later try may get past it (a timeout, a 5xx, a rate limit, a push that lost
    a race); retry_after: the seconds the remote asked us to wait.
    """

    def __init__(
        self, message: str, *, status: int | None = None, transient: bool = False,
        retry_after: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class Written:
    """Where a publication landed: the commit, its branch, and the pull request if any."""

    commit: str
    branch: str
    pull_request_url: str = ""


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    @property
    def sign_off(self) -> str:
        return f"Signed-off-by: {self.name} <{self.email}>"


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


class Remote:
    """One repository's folder: list its Markdown files, read one, write one."""

    def __init__(self, connection: RepositoryConnection) -> None:
        self.connection = connection

    @property
    def folder(self) -> str:
        return self.connection.folder.strip("/")

    def in_folder(self, path: str) -> bool:
        return not self.folder or path.startswith(self.folder + "/")

    def list_files(self) -> tuple[str, dict[str, str]]:
        """Return the branch's head commit and {path: blob id} of the folder's Markdown files."""
        raise NotImplementedError

    def read(self, path: str) -> str:
        """Return the text of the file on the connection's branch."""
        raise NotImplementedError

    def publish(
        self, *, path: str, text: str, message: str, author: Author, branch: str, title: str
    ) -> Written:
        """Write the text to the path on `branch` (made from the connection's branch when
        missing), and open a pull request into it when the branch is not the connection's.

        Safe to call again for the same publication: a file that already holds the text is
        not committed again, and an open pull request of the branch is found, not doubled.
        """
        raise NotImplementedError

    def close_superseded(self, *, branch: str, by_url: str) -> None:
        """Close the open pull request of `branch`, saying that `by_url` supersedes it.

        A plain git remote has no pull requests: its branch is left for people to delete.
        """


def commit_message(*, title: str, author: Author) -> str:
    return f"{title}\n\nPublished from postmortems.\n\n{author.sign_off}\n"


def superseded_note(by_url: str) -> str:
    return f"Superseded by {by_url}, a later version of this postmortem. Closed by postmortems."


__all__ = ["Author", "Remote", "RemoteError", "Written", "blob_sha", "commit_message"]
