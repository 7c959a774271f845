"""GitLab's REST API (v4): the repository tree, files, branches and merge requests of one
project.

Needs a project access token with the api scope (Developer, or Maintainer for a protected
branch). In pull-request mode a publication gets its own branch and a merge request; a try
after a lost one finds the branch, the file already written (its blob id) and the request.
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

GITLAB_URL = "https://gitlab.com"
PAGES = 50  # 5,000 entries of a tree: more than any folder of postmortems


class GitLabRemote(HttpRemote):
    name = "GitLab"

    def headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.connection.token}

    def explain(self, status: int, reason: str) -> str:
        meaning = {
            400: "GitLab refused the request",
            401: "GitLab refused the token",
            403: "The token may not do this (it needs the api scope, and Maintainer for a "
            "protected branch)",
            404: f"GitLab knows no project {self.connection.repository} with this branch "
            "or file, or the token may not see it",
            409: "GitLab refused: it conflicts with what is there",
        }.get(status, "GitLab refused")
        return f"{meaning} ({status}: {reason or 'no reason given'})."

    def _url(self, path: str) -> str:
        base = (self.connection.api_url or GITLAB_URL).rstrip("/")
        project = quote(self.connection.repository, safe="")
        return f"{base}/api/v4/projects/{project}{path}"

    def _head(self, branch: str) -> str | None:
        try:
            response = self.request(
                "GET", self._url(f"/repository/branches/{quote(branch, safe='')}")
            )
        except RemoteError as error:
            if error.status == 404:
                return None
            raise
        return response.json()["commit"]["id"]

    def _branch_head(self, branch: str) -> str:
        head = self._head(branch)
        if head is None:
            raise RemoteError(
                f"GitLab has no branch {branch} in {self.connection.repository}.", status=404
            )
        return head

    def list_files(self) -> tuple[str, dict[str, str]]:
        head = self._branch_head(self.connection.branch)
        files: dict[str, str] = {}
        params = {"ref": head, "recursive": "true", "per_page": "100", "page": "1"}
        if self.folder:
            params["path"] = self.folder
        for _ in range(PAGES):
            response = self.request("GET", self._url("/repository/tree"), params=params)
            for entry in response.json():
                if entry.get("type") == "blob" and is_markdown(entry["path"]):
                    files[entry["path"]] = entry["id"]
            following = response.headers.get("X-Next-Page", "")
            if not following:
                break
            params["page"] = following
        return head, files

    def _file(self, path: str, ref: str) -> dict | None:
        try:
            response = self.request(
                "GET", self._url(f"/repository/files/{quote(path, safe='')}"), params={"ref": ref}
            )
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
        try:
            self.request("POST", self._url("/repository/branches"),
                         params={"branch": branch, "ref": self.connection.branch})  # fmt: skip
        except RemoteError as error:
            if not (error.status == 400 and "already exists" in str(error)):
                raise

    def _merge_request(self, branch: str, title: str, author: Author) -> str:
        query = {"source_branch": branch, "target_branch": self.connection.branch,
                 "state": "all"}  # fmt: skip
        found = self.request("GET", self._url("/merge_requests"), params=query).json()
        if found:
            return found[0]["web_url"]
        description = f"Published from postmortems by {author.name}.\n\n{author.sign_off}"
        try:
            response = self.request(
                "POST", self._url("/merge_requests"),
                json={"source_branch": branch, "target_branch": self.connection.branch,
                      "title": title, "description": description},
            )  # fmt: skip
        except RemoteError as error:
            if error.status == 409:  # "Another open merge request already exists"
                found = self.request("GET", self._url("/merge_requests"), params=query).json()
                if found:
                    return found[0]["web_url"]
            raise
        return response.json()["web_url"]

    def publish(
        self, *, path: str, text: str, message: str, author: Author, branch: str, title: str
    ) -> Written:
        if branch != self.connection.branch:
            self._ensure_branch(branch)
        existing = self._file(path, branch)
        if existing is None or existing.get("blob_id") != blob_sha(text):
            payload = {
                "branch": branch,
                "content": text,
                "commit_message": message,
                "author_name": author.name,
                "author_email": author.email,
            }
            method = "POST" if existing is None else "PUT"
            if existing is not None:
                payload["last_commit_id"] = existing["last_commit_id"]
            try:
                self.request(method, self._url(f"/repository/files/{quote(path, safe='')}"),
                             json=payload)  # fmt: skip
            except RemoteError as error:
                if error.status in (400, 409) and "changed" in str(error).lower():
                    error.transient = True  # the file moved under us: read it again next try
                raise
        commit = self._branch_head(branch)
        url = ""
        if branch != self.connection.branch:
            url = self._merge_request(branch, title, author)
        return Written(commit=commit, branch=branch, pull_request_url=url)

    def close_superseded(self, *, branch: str, by_url: str) -> None:
        query = {"source_branch": branch, "target_branch": self.connection.branch,
                 "state": "opened"}  # fmt: skip
        for merge in self.request("GET", self._url("/merge_requests"), params=query).json():
            if merge.get("state") != "opened":
                continue
            iid = merge["iid"]
            self.request("POST", self._url(f"/merge_requests/{iid}/notes"),
                         json={"body": superseded_note(by_url)})  # fmt: skip
            self.request("PUT", self._url(f"/merge_requests/{iid}"),
                         json={"state_event": "close"})  # fmt: skip
