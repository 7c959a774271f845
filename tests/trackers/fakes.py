"""A fake GitHub and a fake Jira Cloud on pytest-httpserver, answering the documented calls.

The payloads follow the shapes in GitHub's REST reference ("Issues", "Repositories") and
Atlassian's Jira Cloud REST v3 reference ("Issues", "Issue search", "User search"),
trimmed to the fields a client could read. Each fake keeps its issues, so a test can
close one "in the tracker" and watch the app follow.
"""

import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug import Request, Response


@dataclass
class FakeClock:
    """The tracker's clock: now, but strictly later at each change (GitHub shows seconds)."""

    last: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))

    def tick(self) -> datetime:
        now = datetime.now(UTC).replace(microsecond=0)
        self.last = max(now, self.last + timedelta(seconds=1))
        return self.last

    def github(self) -> str:
        return self.tick().strftime("%Y-%m-%dT%H:%M:%SZ")

    def jira(self) -> str:
        return self.tick().strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _github_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data),
        status=status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_user(login: str) -> dict:
    return {
        "login": login,
        "id": abs(hash(login)) % 10**7,
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": f"https://github.com/images/{login}.gif",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


@dataclass
class FakeGitHub:
    """One repository's issues, behind the GitHub REST API paths the app calls."""

    server: Any
    repo: str = "acme/web"
    issues: dict[int, dict] = field(default_factory=dict)
    # Answers to give instead of the next calls (status, body, headers), by "METHOD path".
    failures: dict[str, list[tuple[int, dict, dict]]] = field(default_factory=dict)
    # Set to hold the answer of the next create until released (the issue is made first).
    hold_create: threading.Event | None = None
    release_create: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, str]] = field(default_factory=list)
    clock: FakeClock = field(default_factory=FakeClock)
    # Issues deleted (None) or transferred (to (repository, number)) since they were made.
    gone: dict[int, tuple[str, int] | None] = field(default_factory=dict)
    # The token's user. Without push access GitHub makes the issue but drops its labels and
    # assignees, silently ("Create an issue": they are set only by users with push access).
    login: str = "postmortems-bot"
    push_access: bool = True
    # Creates whose issue is made but whose answer is lost (a gateway answers 502).
    lose_create_answers: int = 0
    # Names the repository had before a rename: GitHub redirects them to its id.
    old_names: list[str] = field(default_factory=list)
    repository_id: int = 1296269
    # Public e-mails of GitHub users, as the user search finds them (`<e-mail> in:email`).
    public_emails: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)

    @property
    def api_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def delete(self, number: int) -> None:
        with self.lock:
            self.gone[number] = None

    def rename(self, new_repo: str) -> None:
        with self.lock:
            self.old_names.append(self.repo)
            self.repo = new_repo

    def transfer(self, number: int, repo: str, new_number: int) -> None:
        with self.lock:
            self.gone[number] = (repo, new_number)

    def transferred_json(self, number: int) -> dict:
        """Return the issue as its new repository has it, where GitHub's 301 points."""
        repo, new_number = self.gone[number]
        return {
            **self.issue_json(number),
            "number": new_number,
            "url": f"https://api.github.com/repos/{repo}/issues/{new_number}",
            "repository_url": f"https://api.github.com/repos/{repo}",
            "html_url": f"https://github.com/{repo}/issues/{new_number}",
        }

    def issue_json(self, number: int) -> dict:
        issue = self.issues[number]
        base = f"https://api.github.com/repos/{self.repo}"
        assignees = [github_user(login) for login in issue["assignees"]]
        return {
            "id": 1000 + number,
            "node_id": f"I_kwDO{number}",
            "url": f"{base}/issues/{number}",
            "repository_url": base,
            "labels_url": f"{base}/issues/{number}/labels{{/name}}",
            "comments_url": f"{base}/issues/{number}/comments",
            "events_url": f"{base}/issues/{number}/events",
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
            "number": number,
            "state": issue["state"],
            "state_reason": issue["state_reason"],
            "title": issue["title"],
            "body": issue["body"],
            "user": github_user(issue["creator"]),
            "labels": [
                {
                    "id": i,
                    "node_id": f"LA_{i}",
                    "url": f"{base}/labels/{n}",
                    "name": n,
                    "description": "",
                    "color": "f29513",
                    "default": False,
                }
                for i, n in enumerate(issue["labels"])
            ],
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": 0,
            "closed_at": issue["updated_at"] if issue["state"] == "closed" else None,
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_by": None,
            "author_association": "OWNER",
        }

    def etag(self, number: int) -> str:
        digest = hashlib.sha1(json.dumps(self.issue_json(number)).encode()).hexdigest()  # noqa: S324
        return f'W/"{digest}"'

    def fail_next(self, key: str, status: int, body: dict | None = None, **headers) -> None:
        self.failures.setdefault(key, []).append((status, body or {}, headers))

    def add_issue(
        self,
        title: str,
        *,
        body: str = "",
        state: str = "open",
        assignee: str = "",
        creator: str = "",
    ) -> int:
        with self.lock:
            number = len(self.issues) + 1
            self.issues[number] = {
                "creator": creator or self.login,
                "title": title,
                "body": body,
                "state": state,
                "labels": [],
                "assignees": [assignee] if assignee else [],
                "state_reason": "completed" if state == "closed" else None,
                "created_at": (now := self.clock.github()),
                "updated_at": now,
            }
        return number

    def close(self, number: int, reason: str = "completed") -> None:
        with self.lock:
            self.issues[number].update(
                state="closed", state_reason=reason, updated_at=self.clock.github()
            )

    def reopen(self, number: int) -> None:
        with self.lock:
            self.issues[number].update(
                state="open", state_reason="reopened", updated_at=self.clock.github()
            )

    def handle(self, request: Request) -> Response:
        path, method = request.path, request.method
        key = f"{method} {path}"
        with self.lock:
            self.requests.append((method, path))
            queued = self.failures.get(key) or self.failures.get(f"{method} *")
            failure = queued.pop(0) if queued else None
        if failure:
            status, body, headers = failure
            return _json(body, status, {k.replace("_", "-"): v for k, v in headers.items()})
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _json(
                {
                    "message": "Requires authentication",
                    "documentation_url": "https://docs.github.com/rest",
                },
                401,
            )
        if path == "/user" and method == "GET":
            return _json({**github_user(self.login), "name": None, "email": None})
        for old in self.old_names:
            old_path = f"/repos/{old}"
            if path.lower() == old_path.lower() or path.lower().startswith(old_path.lower() + "/"):
                # Renamed: the old path answers with a redirect to the repository's id,
                # 301 for GET and 307 for the other methods.
                location = (
                    f"{self.api_url}/repositories/{self.repository_id}{path[len(old_path) :]}"
                )
                return _json(
                    {"message": "Moved Permanently", "url": location,
                     "documentation_url": "https://docs.github.com/v3/#http-redirects"},
                    301 if method == "GET" else 307, {"Location": location},
                )  # fmt: skip
        repo_path = f"/repos/{self.repo}"
        if path in (repo_path, f"/repositories/{self.repository_id}") and method == "GET":
            owner, name = self.repo.split("/")
            return _json(
                {
                    "id": self.repository_id,
                    "name": name,
                    "full_name": self.repo,
                    "owner": github_user(owner),
                    "private": True,
                    "has_issues": True,
                    "html_url": f"https://github.com/{self.repo}",
                }
            )
        if path == f"{repo_path}/issues" and method == "POST":
            return self._create(request.get_json())
        if path == f"{repo_path}/issues" and method == "GET":
            return self._list(request)
        match = re.fullmatch(r"/repositories/4242/issues/(\d+)", path)
        if match and method == "GET":
            by_new = {v[1]: n for n, v in self.gone.items() if v}
            return _json(self.transferred_json(by_new[int(match.group(1))]))
        match = re.fullmatch(rf"{re.escape(repo_path)}/issues/(\d+)", path)
        if match and method == "GET" and int(match.group(1)) in self.gone:
            moved = self.gone[int(match.group(1))]
            if moved is None:
                return _json(
                    {"message": "This issue was deleted",
                     "documentation_url": "https://docs.github.com/rest/issues/issues#get-an-issue"},
                    410,
                )  # fmt: skip
            # A transferred issue: moved permanently to its place in the other repository.
            location = f"{self.api_url}/repositories/4242/issues/{moved[1]}"
            return _json(
                {"message": "Moved Permanently", "url": location,
                 "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"},
                301, {"Location": location},
            )  # fmt: skip
        if match and method == "GET":
            number = int(match.group(1))
            if number not in self.issues:
                return _json(
                    {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                    404,
                )
            etag = self.etag(number)
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return _json(self.issue_json(number), headers={"ETag": etag})
        if match and method == "PATCH":
            number = int(match.group(1))
            data = request.get_json()
            if data.get("state") == "closed":
                self.close(number, reason=data.get("state_reason", "completed"))
            elif data.get("state") == "open":
                self.reopen(number)
            return _json(self.issue_json(number))
        if path == "/search/users":
            email = request.args.get("q", "").removesuffix(" in:email").lower()
            found = [github_user(login) for e, login in self.public_emails.items() if e == email]
            return _json({"total_count": len(found), "incomplete_results": False, "items": found})
        return _json({"message": "Not Found"}, 404)

    def _list(self, request: Request) -> Response:
        """List issues as GET /repos/{owner}/{repo}/issues does: filters, sort, Link pages."""
        args = request.args
        labels = set(filter(None, args.get("labels", "").split(",")))
        state = args.get("state", "open")
        since = _github_time(args["since"]) if args.get("since") else None
        sort, direction = args.get("sort", "created"), args.get("direction", "desc")
        per_page, page = min(int(args.get("per_page", 30)), 100), int(args.get("page", 1))
        with self.lock:
            found = [
                self.issue_json(n)
                for n in self.issues
                if n not in self.gone
                and labels <= set(self.issues[n]["labels"])
                and state in ("all", self.issues[n]["state"])
                and (since is None or _github_time(self.issues[n]["updated_at"]) >= since)
                and args.get("creator", self.issues[n]["creator"]) == self.issues[n]["creator"]
            ]
        field_name = "updated_at" if sort == "updated" else "created_at"
        found.sort(key=lambda d: (d[field_name], d["number"]), reverse=direction == "desc")
        last = max(1, -(-len(found) // per_page))
        links = []
        if page < last:
            query = {**args.to_dict(), "page": page + 1}
            links.append(f'<{self.api_url}{request.path}?{urlencode(query)}>; rel="next"')
            query["page"] = last
            links.append(f'<{self.api_url}{request.path}?{urlencode(query)}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return _json(found[(page - 1) * per_page : page * per_page], headers=headers)

    def _create(self, data: dict) -> Response:
        if not data.get("title"):
            return _json(
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                    "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
                    "status": "422",
                },
                422,
            )
        number = self.add_issue(data["title"], body=data.get("body", ""))
        if self.push_access:
            with self.lock:
                self.issues[number]["labels"] = list(data.get("labels") or [])
                self.issues[number]["assignees"] = list(data.get("assignees") or [])
        with self.lock:
            lost = self.lose_create_answers > 0
            self.lose_create_answers -= lost
        if lost:
            return _json({"message": "Server Error"}, 502)
        if self.hold_create is not None:
            # The issue exists; its answer waits, as over a connection whose client died.
            self.hold_create.set()
            self.release_create.wait(30)
        return _json(
            self.issue_json(number),
            201,
            {"Location": f"https://api.github.com/repos/{self.repo}/issues/{number}"},
        )

    def webhook(self, number: int, action: str) -> dict:
        """Return an `issues` webhook payload as GitHub sends it for this issue."""
        owner, name = self.repo.split("/")
        extra = {}
        if action == "transferred":
            repo = self.gone[number][0]
            extra["changes"] = {
                "new_issue": self.transferred_json(number),
                "new_repository": {"id": 4242, "name": repo.split("/")[1], "full_name": repo,
                                   "owner": github_user(repo.split("/")[0]), "private": True},
            }  # fmt: skip
        return {
            **extra,
            "action": action,
            "issue": self.issue_json(number),
            "repository": {
                "id": self.repository_id,
                "name": name,
                "full_name": self.repo,
                "owner": github_user(owner),
                "private": True,
            },
            "sender": github_user("octocat"),
        }


@dataclass
class FakeJira:
    """One Jira Cloud project's issues, behind the REST API v3 paths the app calls."""

    server: Any
    project: str = "OPS"
    issues: dict[str, dict] = field(default_factory=dict)
    users: list[dict] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict, dict]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    created: list[dict] = field(default_factory=list)
    clock: FakeClock = field(default_factory=FakeClock)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)

    @property
    def site(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail_next(self, key: str, status: int, body: dict | None = None, **headers) -> None:
        self.failures.setdefault(key, []).append((status, body or {}, headers))

    def add_issue(self, summary: str, *, done: bool = False, labels=(), assignee=None) -> str:
        with self.lock:
            key = f"{self.project}-{len(self.issues) + 1}"
            self.issues[key] = {
                "summary": summary,
                "done": done,
                "labels": list(labels),
                "assignee": assignee,
                "resolution": None,
                "updated": self.clock.jira(),
            }
        return key

    def close(self, key: str, resolution: str = "Done") -> None:
        with self.lock:
            self.issues[key].update(done=True, resolution=resolution, updated=self.clock.jira())

    def reopen(self, key: str) -> None:
        with self.lock:
            self.issues[key].update(done=False, resolution=None, updated=self.clock.jira())

    def issue_json(self, key: str) -> dict:
        issue = self.issues[key]
        number = int(key.rpartition("-")[2])
        status = (
            {
                "self": f"{self.site}/rest/api/3/status/10002",
                "name": "Done",
                "id": "10002",
                "statusCategory": {
                    "self": f"{self.site}/rest/api/3/statuscategory/3",
                    "id": 3,
                    "key": "done",
                    "colorName": "green",
                    "name": "Done",
                },
            }
            if issue["done"]
            else {
                "self": f"{self.site}/rest/api/3/status/10000",
                "name": "To Do",
                "id": "10000",
                "statusCategory": {
                    "self": f"{self.site}/rest/api/3/statuscategory/2",
                    "id": 2,
                    "key": "new",
                    "colorName": "blue-gray",
                    "name": "To Do",
                },
            }
        )
        assignee = issue["assignee"]
        return {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": str(10000 + number),
            "self": f"{self.site}/rest/api/3/issue/{10000 + number}",
            "key": key,
            "fields": {
                "status": status,
                "assignee": {
                    "self": f"{self.site}/rest/api/3/user?accountId={assignee['accountId']}",
                    "accountId": assignee["accountId"],
                    "displayName": assignee["displayName"],
                    "active": True,
                    "accountType": "atlassian",
                }
                if assignee
                else None,
                "resolution": {
                    "self": f"{self.site}/rest/api/3/resolution/1",
                    "id": "1",
                    "name": issue["resolution"],
                }
                if issue["resolution"]
                else None,
                "updated": issue["updated"],
            },
        }

    def handle(self, request: Request) -> Response:
        path, method = request.path, request.method
        with self.lock:
            queued = self.failures.get(f"{method} {path}")
            failure = queued.pop(0) if queued else None
        if failure:
            status, body, headers = failure
            return _json(body, status, {k.replace("_", "-"): v for k, v in headers.items()})
        if not request.authorization or request.authorization.type != "basic":
            return _json({"errorMessages": ["You are not authenticated."], "errors": {}}, 401)
        if path == f"/rest/api/3/project/{self.project}":
            return _json(
                {
                    "self": f"{self.site}/rest/api/3/project/10000",
                    "id": "10000",
                    "key": self.project,
                    "name": "Operations",
                    "projectTypeKey": "software",
                    "simplified": False,
                    "style": "classic",
                }
            )
        if path.startswith("/rest/api/3/project/"):
            return _json(
                {
                    "errorMessages": [
                        f"No project could be found with key '{path.rpartition('/')[2]}'."
                    ],
                    "errors": {},
                },
                404,
            )
        if path == "/rest/api/3/issue" and method == "POST":
            fields = request.get_json()["fields"]
            with self.lock:
                self.created.append(fields)
            key = self.add_issue(fields["summary"], labels=fields.get("labels", []))
            number = int(key.rpartition("-")[2])
            return _json(
                {
                    "id": str(10000 + number),
                    "key": key,
                    "self": f"{self.site}/rest/api/3/issue/{10000 + number}",
                },
                201,
            )
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z]+-\d+)", path)
        if match and method == "GET":
            if match.group(1) not in self.issues:
                return _json(
                    {
                        "errorMessages": [
                            "Issue does not exist or you do not have permission to see it."
                        ],
                        "errors": {},
                    },
                    404,
                )
            return _json(self.issue_json(match.group(1)))
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z]+-\d+)/transitions", path)
        if match and method == "GET":
            return _json({"expand": "transitions", "transitions": [
                {"id": "11", "name": "To Do", "hasScreen": False, "isAvailable": True,
                 "to": {"name": "To Do", "id": "10000",
                        "statusCategory": {"id": 2, "key": "new", "name": "To Do"}}},
                {"id": "31", "name": "Done", "hasScreen": False, "isAvailable": True,
                 "to": {"name": "Done", "id": "10002",
                        "statusCategory": {"id": 3, "key": "done", "name": "Done"}}},
            ]})  # fmt: skip
        if match and method == "POST":
            chosen = request.get_json()["transition"]["id"]
            with self.lock:
                self.issues[match.group(1)]["done"] = chosen == "31"
                self.issues[match.group(1)]["resolution"] = "Done" if chosen == "31" else None
                self.issues[match.group(1)]["updated"] = self.clock.jira()
            return Response(status=204)
        if path == "/rest/api/3/search/jql" and method == "POST":
            return self._search(request.get_json())
        if path == "/rest/api/3/user/search":
            query = request.args.get("query", "").lower()
            return _json([u for u in self.users if u["emailAddress"].lower() == query])
        return _json({"errorMessages": ["Not found"], "errors": {}}, 404)

    def _search(self, body: dict) -> Response:
        jql = body["jql"]
        with self.lock:
            keys = list(self.issues)
            keys_match = re.search(r"key in \((.*)\)", jql)
            label_match = re.search(r'labels = "([^"]+)"', jql)
            if keys_match:
                wanted = [k.strip().strip('"') for k in keys_match.group(1).split(",")]
                missing = [k for k in wanted if k not in self.issues]
                if missing:
                    return _json(
                        {
                            "errorMessages": [
                                f"An issue with key '{missing[0]}' does not exist for field 'key'."
                            ],
                            "errors": {},
                        },
                        400,
                    )
                keys = wanted
            elif label_match:
                keys = [k for k in keys if label_match.group(1) in self.issues[k]["labels"]]
            updated_match = re.search(r'updated >= "-(\d+)m"', jql)
            if updated_match:
                since = datetime.now(UTC) - timedelta(minutes=int(updated_match.group(1)))
                keys = [k for k in keys if self._updated(k) >= since.replace(second=0)]
            if "ORDER BY updated ASC" in jql:
                keys.sort(key=self._updated)
            found = [self.issue_json(k) for k in keys]
        # Pages of maxResults, the next one named by an opaque token (the enhanced search).
        size = int(body.get("maxResults", 50))
        start = int(body.get("nextPageToken") or 0)
        page = found[start : start + size]
        is_last = start + size >= len(found)
        answer = {"issues": page, "isLast": is_last}
        if not is_last:
            answer["nextPageToken"] = str(start + size)
        return _json(answer)

    def _updated(self, key: str) -> datetime:
        return datetime.strptime(self.issues[key]["updated"], "%Y-%m-%dT%H:%M:%S.%f%z")

    def webhook(self, key: str, event: str = "jira:issue_updated") -> dict:
        """Return an issue webhook payload as Jira Cloud sends it."""
        return {
            "timestamp": 1773223200000,
            "webhookEvent": event,
            "issue_event_type_name": "issue_generic",
            "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof"},
            "issue": self.issue_json(key),
            "changelog": {
                "id": "10100",
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "from": "10000",
                        "fromString": "To Do",
                        "to": "10002",
                        "toString": "Done",
                    }
                ],
            },
        }
