"""A fake GitHub and a fake GitLab on pytest-httpserver, answering the documented calls.

The shapes follow GitHub's REST reference ("Git trees", "Git references", "Repository
contents", "Pulls") and GitLab's REST API v4 reference ("Repository tree", "Repository
files", "Branches", "Merge requests"), trimmed to the fields a client reads, errors
included with the bodies those references give: GitHub's 401 "Bad credentials", 404 "Not
Found", 409 for a stale sha, 422 "Reference already exists" and "A pull request already
exists"; GitLab's 400 "Branch already exists" and "file that has changed", 401, 404 "404
File Not Found", 409 "Another open merge request already exists". Each fake keeps its
repository, so a test can merge a request or commit "on the host" and watch the app follow.
"""

import base64
import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug import Request, Response

from publishing.models import blob_sha

_numbers = itertools.count(1)


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers or {}, content_type="application/json"
    )


@dataclass
class Store:
    """A repository's history as the host keeps it: commits of whole trees, branch heads."""

    commits: dict[str, dict[str, str]] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    log: list[dict] = field(default_factory=list)

    def commit(
        self,
        branch: str,
        files: dict[str, str],
        *,
        message: str = "Change",
        author: str = "Rita Repo <rita@example.com>",
        start: str | None = None,
    ) -> str:
        parent = self.heads.get(branch) or (self.heads.get(start) if start else None)
        tree = dict(self.commits.get(parent, {})) if parent else {}
        tree.update(files)
        sha = hashlib.sha1(f"{next(_numbers)}{message}".encode(), usedforsecurity=False).hexdigest()
        self.commits[sha] = tree
        self.heads[branch] = sha
        self.log.append({"sha": sha, "branch": branch, "message": message, "author": author})
        return sha

    def files(self, branch: str = "main") -> dict[str, str]:
        return dict(self.commits[self.heads[branch]])

    def merge(self, source: str, target: str = "main") -> str:
        return self.commit(target, self.files(source), message=f"Merge {source}")


@dataclass
class FakeHost:
    server: Any
    repo: str = "acme/postmortems"
    token: str = "host-token"
    store: Store = field(default_factory=Store)
    # Answers to give instead of the next calls (status, body, headers), by "METHOD regex".
    failures: dict[str, list[tuple[int, Any, dict]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail_next(
        self, method: str, pattern: str, status: int, body: Any, headers: dict | None = None
    ) -> None:
        """Answer the next call of this method to a path matching the pattern this way."""
        self.failures.setdefault(f"{method} {pattern}", []).append((status, body, headers or {}))

    def handle(self, request: Request) -> Response:
        path = unquote(request.environ.get("RAW_URI", request.path).split("?", 1)[0])
        with self.lock:
            self.requests.append((request.method, path))
            for call, answers in self.failures.items():
                method, pattern = call.split(" ", 1)
                if answers and method == request.method and re.search(pattern, path):
                    status, body, headers = answers.pop(0)
                    return _json(body, status, headers)
            return self.route(request, path)

    def route(self, request: Request, path: str) -> Response:
        raise NotImplementedError

    def calls(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.requests if m == method and re.search(pattern, p))


class FakeGitHub(FakeHost):
    pulls: list[dict]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.pulls = []

    def route(self, request: Request, path: str) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                401,
            )
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix + "/"):
            return _json({"message": "Not Found"}, 404)
        rest = path[len(prefix) :]
        body = request.get_json(silent=True) or {}
        if match := re.fullmatch(r"/git/ref/heads/(.+)", rest):
            head = self.store.heads.get(match[1])
            if head is None:
                return _json({"message": "Not Found"}, 404)
            return _json(
                {"ref": f"refs/heads/{match[1]}", "object": {"sha": head, "type": "commit"}}
            )
        if match := re.fullmatch(r"/git/trees/([0-9a-f]+)", rest):
            tree = self.store.commits.get(match[1])
            if tree is None:
                return _json({"message": "Not Found"}, 404)
            entries = [
                {
                    "path": p,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob_sha(t),
                    "size": len(t.encode()),
                }
                for p, t in sorted(tree.items())
            ]
            return _json({"sha": match[1], "tree": entries, "truncated": False})
        if rest == "/git/refs" and request.method == "POST":
            branch = body["ref"].removeprefix("refs/heads/")
            if branch in self.store.heads:
                return _json({"message": "Reference already exists"}, 422)
            self.store.heads[branch] = body["sha"]
            return _json({"ref": body["ref"], "object": {"sha": body["sha"]}}, 201)
        if match := re.fullmatch(r"/contents/(.+)", rest):
            return self.contents(request, match[1], body)
        if rest == "/pulls":
            return self.pull(request, body)
        if (match := re.fullmatch(r"/pulls/(\d+)", rest)) and request.method == "PATCH":
            pull = self.pulls[int(match[1]) - 1]
            pull["state"] = body.get("state", pull["state"])
            return _json(pull)
        if (match := re.fullmatch(r"/issues/(\d+)/comments", rest)) and request.method == "POST":
            self.pulls[int(match[1]) - 1].setdefault("comments", []).append(body["body"])
            return _json({"body": body["body"]}, 201)
        return _json({"message": "Not Found"}, 404)

    def contents(self, request: Request, file_path: str, body: dict) -> Response:
        if request.method == "GET":
            branch = request.args.get("ref", "main")
            text = self.store.files(branch).get(file_path) if branch in self.store.heads else None
            if text is None:
                return _json({"message": "Not Found"}, 404)
            return _json(
                {
                    "type": "file",
                    "encoding": "base64",
                    "path": file_path,
                    "name": file_path.rsplit("/", 1)[-1],
                    "sha": blob_sha(text),
                    "content": base64.encodebytes(text.encode()).decode(),
                }
            )
        branch = body.get("branch", "main")
        current = self.store.files(branch).get(file_path)
        if current is not None and "sha" not in body:
            return _json({"message": 'Invalid request.\n\n"sha" wasn\'t supplied.'}, 422)
        if current is not None and body["sha"] != blob_sha(current):
            return _json({"message": f"{file_path} does not match {body['sha']}"}, 409)
        text = base64.b64decode(body["content"]).decode()
        author = body.get("author") or {}
        sha = self.store.commit(
            branch,
            {file_path: text},
            message=body["message"],
            author=f"{author.get('name')} <{author.get('email')}>",
        )
        return _json(
            {
                "content": {"path": file_path, "sha": blob_sha(text)},
                "commit": {"sha": sha, "message": body["message"]},
            },
            201 if current is None else 200,
        )

    def pull(self, request: Request, body: dict) -> Response:
        if request.method == "GET":
            head = request.args.get("head", "")
            return _json(
                [p for p in self.pulls if f"{self.repo.split('/')[0]}:{p['head']['ref']}" == head]
            )
        if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls):
            return _json(
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": f"A pull request already exists for acme:{body['head']}.",
                        }
                    ],
                },
                422,
            )
        if body["head"] not in self.store.heads:
            return _json(
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
                },
                422,
            )
        number = len(self.pulls) + 1
        pull = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body["body"],
            "head": {"ref": body["head"]},
            "base": {"ref": body["base"]},
            "html_url": f"https://github.com/{self.repo}/pull/{number}",
        }
        self.pulls.append(pull)
        return _json(pull, 201)

    def merge_pull(self, number: int) -> str:
        pull = self.pulls[number - 1]
        pull["state"] = "closed"
        return self.store.merge(pull["head"]["ref"], pull["base"]["ref"])


class FakeGitLab(FakeHost):
    merge_requests: list[dict]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.merge_requests = []

    def route(self, request: Request, path: str) -> Response:
        if request.headers.get("PRIVATE-TOKEN") != self.token:
            return _json({"message": "401 Unauthorized"}, 401)
        prefix = f"/api/v4/projects/{self.repo}"
        if not path.startswith(prefix + "/"):
            return _json({"message": "404 Project Not Found"}, 404)
        rest = path[len(prefix) :]
        body = request.get_json(silent=True) or {}
        if match := re.fullmatch(r"/repository/branches/(.+)", rest):
            head = self.store.heads.get(match[1])
            if head is None:
                return _json({"message": "404 Branch Not Found"}, 404)
            return _json({"name": match[1], "commit": {"id": head}})
        if rest == "/repository/branches" and request.method == "POST":
            branch, ref = request.args["branch"], request.args["ref"]
            if branch in self.store.heads:
                return _json({"message": "Branch already exists"}, 400)
            self.store.heads[branch] = self.store.heads[ref]
            return _json({"name": branch, "commit": {"id": self.store.heads[branch]}}, 201)
        if rest == "/repository/tree":
            return self.tree(request)
        if match := re.fullmatch(r"/repository/files/(.+)", rest):
            return self.file(request, match[1], body)
        if rest == "/merge_requests":
            return self.merge_request(request, body)
        if (match := re.fullmatch(r"/merge_requests/(\d+)", rest)) and request.method == "PUT":
            merge = self.merge_requests[int(match[1]) - 1]
            if body.get("state_event") == "close":
                merge["state"] = "closed"
            return _json(merge)
        if (match := re.fullmatch(r"/merge_requests/(\d+)/notes", rest)) and (
            request.method == "POST"
        ):
            self.merge_requests[int(match[1]) - 1].setdefault("notes", []).append(body["body"])
            return _json({"body": body["body"]}, 201)
        return _json({"message": "404 Not Found"}, 404)

    def tree(self, request: Request) -> Response:
        ref = request.args["ref"]
        tree = self.store.commits.get(ref) or self.store.files(ref)
        folder = request.args.get("path", "")
        entries = [
            {
                "id": blob_sha(t),
                "name": p.rsplit("/", 1)[-1],
                "type": "blob",
                "path": p,
                "mode": "100644",
            }
            for p, t in sorted(tree.items())
            if not folder or p.startswith(folder + "/")
        ]
        if folder and not entries:
            return _json({"message": "404 Tree Not Found"}, 404)
        page, per_page = int(request.args.get("page", 1)), int(request.args.get("per_page", 20))
        chunk = entries[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(entries)
        return _json(
            chunk, headers={"X-Page": str(page), "X-Next-Page": str(page + 1) if more else ""}
        )

    def file(self, request: Request, file_path: str, body: dict) -> Response:
        if request.method == "GET":
            ref = request.args.get("ref", "main")
            text = self.store.files(ref).get(file_path) if ref in self.store.heads else None
            if text is None:
                return _json({"message": "404 File Not Found"}, 404)
            head = self.store.heads[ref]
            return _json(
                {
                    "file_name": file_path.rsplit("/", 1)[-1],
                    "file_path": file_path,
                    "encoding": "base64",
                    "ref": ref,
                    "blob_id": blob_sha(text),
                    "commit_id": head,
                    "last_commit_id": head,
                    "content": base64.b64encode(text.encode()).decode(),
                }
            )
        branch = body["branch"]
        current = self.store.files(branch).get(file_path)
        if request.method == "POST" and current is not None:
            return _json({"message": "A file with this name already exists"}, 400)
        if request.method == "PUT" and current is None:
            return _json({"message": "A file with this name doesn't exist"}, 400)
        if body.get("last_commit_id") and body["last_commit_id"] != self.store.heads[branch]:
            return _json(
                {
                    "message": "You are attempting to update a file that has changed "
                    "since you started editing it."
                },
                400,
            )
        self.store.commit(
            branch,
            {file_path: body["content"]},
            message=body["commit_message"],
            author=f"{body.get('author_name')} <{body.get('author_email')}>",
        )
        return _json(
            {"file_path": file_path, "branch": branch}, 201 if request.method == "POST" else 200
        )

    def merge_request(self, request: Request, body: dict) -> Response:
        if request.method == "GET":
            source = request.args.get("source_branch")
            return _json([m for m in self.merge_requests if m["source_branch"] == source])
        for existing in self.merge_requests:
            if existing["source_branch"] == body["source_branch"] and existing["state"] == "opened":
                return _json(
                    {
                        "message": [
                            "Another open merge request already exists for this "
                            f"source branch: !{existing['iid']}"
                        ]
                    },
                    409,
                )
        iid = len(self.merge_requests) + 1
        merge = {
            "iid": iid,
            "state": "opened",
            "title": body["title"],
            "description": body["description"],
            "source_branch": body["source_branch"],
            "target_branch": body["target_branch"],
            "web_url": f"https://gitlab.com/{self.repo}/-/merge_requests/{iid}",
        }
        self.merge_requests.append(merge)
        return _json(merge, 201)

    def merge(self, iid: int) -> str:
        merge = self.merge_requests[iid - 1]
        merge["state"] = "merged"
        return self.store.merge(merge["source_branch"], merge["target_branch"])
