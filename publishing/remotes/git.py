"""Any git remote over HTTPS or SSH (and file:// where settings allow), through dulwich.

Each operation clones the repository into a temporary folder and forgets it: nothing of a
team's repository stays on the server's disk, and two workers never share a working copy.
A plain remote has no pull request API: in pull-request mode the branch is pushed and the
connection's page says to open the request on the host.
"""

import io
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from dulwich import porcelain
from dulwich.client import HTTPUnauthorized
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository
from dulwich.object_store import commit_tree_changes, iter_tree_contents
from dulwich.objects import Blob, Commit
from dulwich.repo import Repo

from core import outgoing
from publishing.remotes.base import Author, Remote, RemoteError, Written, is_markdown

REFUSAL = "git remotes must be on public addresses."
# What ssh prints when the server refuses the key, or ssh refuses the key file or the host.
SSH_REFUSALS = ("Permission denied", "Host key verification failed", "Load key")


def check_remote_url(url: str) -> None:
    """Raise RemoteError when the URL is not one we may clone: https or ssh, public hosts."""
    parts = urlsplit(url)
    if parts.scheme == "file" and settings.PUBLISHING_ALLOW_LOCAL_REMOTES:
        return
    if parts.scheme not in ("https", "ssh", "http") or not parts.hostname:
        raise RemoteError(
            "Give the remote as https://host/owner/name.git or ssh://git@host/owner/name.git."
        )
    if parts.scheme == "http" and not settings.TRACKER_ALLOW_PRIVATE_ADDRESSES:
        raise RemoteError("Give an https:// remote: a token must not travel in the clear.")
    try:
        # resolve() checks http(s) URLs: the host is what matters, so ask as if https.
        outgoing.resolve(
            parts._replace(scheme="https", netloc=parts.hostname).geturl(),
            allow_private=settings.TRACKER_ALLOW_PRIVATE_ADDRESSES,
            refusal=REFUSAL,
        )
    except outgoing.RefusedURL as error:
        raise RemoteError(str(error)) from None
    except OSError:
        raise RemoteError(f"{parts.hostname} does not resolve; check the remote URL.") from None


def _explain(error: Exception) -> RemoteError:
    """Return the error for people, with what the remote said, and whether to try again."""
    said = str(error).strip() or type(error).__name__
    if isinstance(error, HTTPUnauthorized):
        return RemoteError(f"The remote refused the credentials: {said}", status=401)
    if isinstance(error, NotGitRepository):
        return RemoteError(f"There is no git repository at the remote URL: {said}")
    if isinstance(error, HangupException) and any(word in said for word in SSH_REFUSALS):
        # ssh said no itself: trying the same key on the same host again cannot help.
        return RemoteError(f"SSH was refused: {said} Check the key and the host.", status=401)
    if isinstance(error, HangupException | ConnectionError | TimeoutError):
        return RemoteError(f"The remote hung up: {said}; it is tried again later.", transient=True)
    if isinstance(error, GitProtocolError):
        return RemoteError(f"The remote refused: {said}")
    return RemoteError(f"The remote could not be reached: {said}", transient=True)


class GitRemote(Remote):
    def _auth(self, folder: str) -> dict:
        connection = self.connection
        kwargs: dict = {}
        if connection.token_encrypted:
            kwargs["username"] = connection.username or "git"
            kwargs["password"] = connection.token
        if connection.ssh_key_encrypted:
            key_path = os.path.join(folder, "key")
            with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as key:
                # A textarea sends CRLF line ends, which OpenSSH cannot read ("error in
                # libcrypto"); it wants LF and a final newline.
                key.write("\n".join(connection.ssh_key.strip().splitlines()) + "\n")
            kwargs["key_filename"] = key_path
            kwargs["ssh_command"] = settings.PUBLISHING_SSH_COMMAND
        return kwargs

    @contextmanager
    def _clone(self) -> Iterator[tuple[Repo, dict]]:
        url = self.connection.remote_url
        check_remote_url(url)
        with tempfile.TemporaryDirectory(prefix="postmortems-git-") as folder:
            auth = self._auth(folder)
            try:
                repo = porcelain.clone(
                    url, os.path.join(folder, "repo"), bare=True, checkout=False,
                    errstream=io.BytesIO(), **auth,
                )  # fmt: skip
            except Exception as error:  # dulwich raises many kinds; each is explained
                raise _explain(error) from None
            try:
                yield repo, auth
            finally:
                repo.close()

    def _head(self, repo: Repo, branch: str) -> bytes | None:
        return repo.refs.as_dict().get(f"refs/heads/{branch}".encode())

    def _files(self, repo: Repo, commit: bytes) -> dict[str, str]:
        tree = repo[commit].tree
        return {
            entry.path.decode(): entry.sha.decode()
            for entry in iter_tree_contents(repo.object_store, tree)
            if self.in_folder(entry.path.decode()) and is_markdown(entry.path.decode())
        }

    def _missing_branch(self) -> RemoteError:
        return RemoteError(f"The remote has no branch {self.connection.branch}.")

    def snapshot(self) -> tuple[str, dict[str, tuple[str, str]]]:
        """Return the head commit and {path: (blob id, text)} of the folder, in one clone."""
        with self._clone() as (repo, _auth):
            head = self._head(repo, self.connection.branch)
            if head is None:
                raise self._missing_branch()
            files = {
                path: (blob, repo[blob.encode()].data.decode("utf-8", errors="replace"))
                for path, blob in self._files(repo, head).items()
            }
            return head.decode(), files

    def list_files(self) -> tuple[str, dict[str, str]]:
        head, files = self.snapshot()
        self._texts = {path: text for path, (_blob, text) in files.items()}
        return head, {path: blob for path, (blob, _text) in files.items()}

    def read(self, path: str) -> str:
        texts = getattr(self, "_texts", None)
        if texts is None:
            self.list_files()
            texts = self._texts
        if path not in texts:
            raise RemoteError(f"{path} is not on {self.connection.branch}.", status=404)
        return texts[path]

    def publish(
        self, *, path: str, text: str, message: str, author: Author, branch: str, title: str
    ) -> Written:
        with self._clone() as (repo, auth):
            base = self._head(repo, self.connection.branch)
            if base is None:
                raise self._missing_branch()
            start = self._head(repo, branch) or base
            blob = Blob.from_string(text.encode())
            tree = repo[start].tree
            if self._files(repo, start).get(path) == blob.id.decode():
                # Written already (an earlier try, or nothing changed): no second commit.
                return Written(commit=start.decode(), branch=branch)
            repo.object_store.add_object(blob)
            commit = Commit()
            commit.tree = commit_tree_changes(
                repo.object_store, tree, [(path.encode(), 0o100644, blob.id)]
            )
            commit.parents = [start]
            commit.author = f"{author.name} <{author.email}>".encode()
            commit.committer = settings.PUBLISHING_COMMITTER.encode()
            commit.author_time = commit.commit_time = int(time.time())
            commit.author_timezone = commit.commit_timezone = 0
            commit.encoding = b"UTF-8"
            commit.message = message.encode()
            repo.object_store.add_object(commit)
            ref = f"refs/heads/{branch}".encode()
            repo.refs[ref] = commit.id
            try:
                result = porcelain.push(
                    repo, self.connection.remote_url, [ref + b":" + ref],
                    outstream=io.BytesIO(), errstream=io.BytesIO(), **auth,
                )  # fmt: skip
            except Exception as error:
                raise _explain(error) from None
            refused = (result.ref_status or {}).get(ref)
            if refused:
                # Most often the branch moved since we cloned: the next try starts from it.
                raise RemoteError(f"The remote refused the push: {refused}", transient=True)
            return Written(commit=commit.id.decode(), branch=branch)
