"""GitHub's REST API: the git trees, contents, refs and pulls endpoints of one repository.

Needs a fine-grained token with Contents (read and write) and, for pull requests, Pull
requests (read and write). A publication in pull-request mode makes its own branch from
the connection's branch, writes the file there and opens a pull request; a try after a
lost one finds the branch, the file already written (its blob id) and the open request.
"""

import base64
from urllib.parse import quote

from publishing.models import blob_sha
from publishing.remotes.base import (
    Author,
    RemoteError,
    Written,
    is_markdown,
    superseded_note,
)
from publishing.remotes.http import HttpRemote

GITHUB_API_URL = "https://api.github.com"


class GitHubRemote(HttpRemote):
    name = "GitHub"

    def headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.connection.token}",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def explain(self, status: int, reason: str) -> str:
        meaning = {
            401: "GitHub refused the token",
            403: "The token may not do this (it needs Contents and Pull requests: read and write)",
            404: f"GitHub knows no repository {self.connection.repository} with this "
            "branch or file, or the token may not see it",
            409: "GitHub refused the write: the file changed meanwhile",
            422: "GitHub refused the request",
        }.get(status, "GitHub refused")
        return f"{meaning} ({status}: {reason or 'no reason given'})."

    def _url(self, path: str) -> str:
        base = (self.connection.api_url or GITHUB_API_URL).rstrip("/")
        return f"{base}/repos/{self.connection.repository}{path}"

    def _head(self, branch: str) -> str | None:
        try:
            response = self.request("GET", self._url(f"/git/ref/heads/{quote(branch)}"))
        except RemoteError as error:
            if error.status == 404:
                return None
            raise
        return response.json()["object"]["sha"]

    def _branch_head(self, branch: str) -> str:
        head = self._head(branch)
        if head is None:
            raise RemoteError(
                f"GitHub has no branch {branch} in {self.connection.repository}.", status=404
            )
        return head

    def list_files(self) -> tuple[str, dict[str, str]]:
        head = self._branch_head(self.connection.branch)
        tree = self.request("GET", self._url(f"/git/trees/{head}"), params={"recursive": "1"})
        data = tree.json()
        if data.get("truncated"):
            raise RemoteError(
                "GitHub gave only part of the repository's tree (it is too large): "
                "connect a smaller repository, or a folder of one."
            )
        files = {
            entry["path"]: entry["sha"]
            for entry in data.get("tree", [])
            if entry.get("type") == "blob"
            and self.in_folder(entry["path"])
            and is_markdown(entry["path"])
        }
        return head, files

    def _file(self, path: str, ref: str) -> dict | None:
        try:
            response = self.request("GET", self._url(f"/contents/{quote(path)}"),
                                    params={"ref": ref})  # fmt: skip
        except RemoteError as error:
            if error.status == 404:
                return None
            raise
        return response.json()

    def read(self, path: str) -> str:
        data = self._file(path, self.connection.branch)
        if data is None:
            raise RemoteError(f"{path} is not on {self.connection.branch}.", status=404)
        return base64.b64decode(data.get("content") or "").decode("utf-8", errors="replace")

    def _ensure_branch(self, branch: str) -> None:
        if self._head(branch) is not None:
            return
        base = self._branch_head(self.connection.branch)
        try:
            self.request("POST", self._url("/git/refs"),
                         json={"ref": f"refs/heads/{branch}", "sha": base})  # fmt: skip
        except RemoteError as error:
            if error.status != 422:  # "Reference already exists": made by an earlier try
                raise

    def _pull_request(self, branch: str, title: str, author: Author) -> str:
        owner = self.connection.repository.split("/", 1)[0]
        query = {"head": f"{owner}:{branch}", "base": self.connection.branch, "state": "all"}
        found = self.request("GET", self._url("/pulls"), params=query).json()
        if found:
            return found[0]["html_url"]
        body = f"Published from postmortems by {author.name}.\n\n{author.sign_off}"
        try:
            response = self.request(
                "POST", self._url("/pulls"),
                json={"title": title, "head": branch, "base": self.connection.branch,
                      "body": body},
            )  # fmt: skip
        except RemoteError as error:
            if error.status == 422 and "already exists" in str(error):
                found = self.request("GET", self._url("/pulls"), params=query).json()
                if found:
                    return found[0]["html_url"]
            raise
        return response.json()["html_url"]

    def publish(
        self, *, path: str, text: str, message: str, author: Author, branch: str, title: str
    ) -> Written:
        if branch != self.connection.branch:
            self._ensure_branch(branch)
        existing = self._file(path, branch)
        if existing is not None and existing.get("sha") == blob_sha(text):
            commit = self._branch_head(branch)  # written by an earlier try
        else:
            payload = {
                "message": message,
                "content": base64.b64encode(text.encode()).decode(),
                "branch": branch,
                "author": {"name": author.name, "email": author.email},
            }
            if existing is not None:
                payload["sha"] = existing["sha"]
            try:
                response = self.request("PUT", self._url(f"/contents/{quote(path)}"),
                                        json=payload)  # fmt: skip
            except RemoteError as error:
                if error.status == 409:  # the file moved under us: read it again next try
                    error.transient = True
                raise
            commit = response.json()["commit"]["sha"]
        url = ""
        if branch != self.connection.branch:
            url = self._pull_request(branch, title, author)
        return Written(commit=commit, branch=branch, pull_request_url=url)

    def close_superseded(self, *, branch: str, by_url: str) -> None:
        owner = self.connection.repository.split("/", 1)[0]
        query = {"head": f"{owner}:{branch}", "base": self.connection.branch, "state": "open"}
        for pull in self.request("GET", self._url("/pulls"), params=query).json():
            if pull.get("state") != "open":
                continue
            number = pull["number"]
            self.request("POST", self._url(f"/issues/{number}/comments"),
                         json={"body": superseded_note(by_url)})  # fmt: skip
            self.request("PATCH", self._url(f"/pulls/{number}"), json={"state": "closed"})
