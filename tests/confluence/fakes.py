"""A fake Confluence Cloud on pytest-httpserver, answering the REST API v2 calls we make.

The shapes follow Atlassian's Confluence Cloud REST API v2 reference ("Page": create,
get, update, delete, list by space and title; "Space": list by keys): pages with id,
status, title, spaceId, parentId, version.number and _links (webui, base); errors as
{"errors": [{"status", "code", "title", "detail"}]}. As Confluence does, it asks for basic
auth with the account's e-mail and API token (401 otherwise), wants an update's version to
be the current one plus one (409), refuses a second page of the same title in a space,
refuses a body that is not well-formed XHTML ("Error parsing xhtml", 400), and answers
429 with Retry-After when told to.
"""

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from lxml import etree
from werkzeug import Request, Response

SPACE_KEY, SPACE_ID, PARENT_ID = "ENG", "98304", "1000"
EMAIL, TOKEN = "bot@example.com", "ATATT3xFfGF0-confluence-api-token-secret"


def _json(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers or {}, content_type="application/json"
    )


def error(status: int, code: str, title: str, headers: dict | None = None) -> Response:
    return _json(
        {"errors": [{"status": status, "code": code, "title": title, "detail": None}]},
        status,
        headers,
    )


def well_formed(value: str) -> str:
    """Return '' when the storage body is well-formed XHTML, else the parser's complaint."""
    try:
        etree.fromstring(f"<root>{value}</root>".encode())
    except etree.XMLSyntaxError as problem:
        return str(problem)
    return ""


@dataclass
class FakeConfluence:
    """One site with one space and a parent page, behind the v2 paths the app calls."""

    server: Any
    pages: dict[str, dict] = field(default_factory=dict)
    # Answers to give instead of the next calls (status, body, headers), by "METHOD path".
    failures: dict[str, list[tuple[int, dict, dict]]] = field(default_factory=dict)
    # Creates whose page is made but whose answer is lost (a gateway answers 502).
    lose_create_answers: int = 0
    # Edits someone makes in Confluence just before our next updates land (version bumps).
    edits_before_put: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 2000

    def __post_init__(self) -> None:
        self.pages[PARENT_ID] = self._new_page(PARENT_ID, "Postmortems", "", "<p>Index</p>")
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self.handle)

    @property
    def site(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail_next(self, method: str, path: str, status: int, body: dict, headers=None) -> None:
        self.failures.setdefault(f"{method} {path}", []).append((status, body, headers or {}))

    def ours(self) -> list[dict]:
        """Return the current pages made under the parent page."""
        return [
            p
            for p in self.pages.values()
            if p["parentId"] == PARENT_ID and p["status"] == "current"
        ]

    def _new_page(self, page_id: str, title: str, parent: str, body: str) -> dict:
        return {
            "id": page_id, "status": "current", "title": title, "spaceId": SPACE_ID,
            "parentId": parent, "version": {"number": 1, "message": ""},
            "body": {"storage": {"representation": "storage", "value": body}},
        }  # fmt: skip

    def _shown(self, page: dict) -> dict:
        slug = quote(page["title"]).replace("%20", "+")
        return {
            **{k: v for k, v in page.items() if k != "body"},
            "_links": {
                "webui": f"/spaces/{SPACE_KEY}/pages/{page['id']}/{slug}",
                "editui": f"/pages/resumedraft.action?draftId={page['id']}",
                "tinyui": f"/x/{page['id']}",
                "base": f"{self.site}/wiki",
            },
        }

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        return request.headers.get("Authorization", "") == f"Basic {expected}"

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append((request.method, request.path))
            queued = self.failures.get(f"{request.method} {request.path}")
            if queued:
                status, body, headers = queued.pop(0)
                return _json(body, status, headers)
            if not self._authorized(request):
                return error(401, "UNAUTHORIZED", "Current user not permitted to use Confluence")
            path = request.path.removeprefix("/wiki/api/v2")
            if request.method == "GET" and path == "/spaces":
                keys = request.args.get("keys", "").split(",")
                found = [{"id": SPACE_ID, "key": SPACE_KEY, "name": "Engineering"}]
                return _json({"results": [s for s in found if s["key"] in keys], "_links": {}})
            if path == "/pages" and request.method == "GET":
                return self._list(request)
            if path == "/pages" and request.method == "POST":
                return self._create(request.get_json())
            match = re.fullmatch(r"/pages/([0-9]+)", path)
            if match is None:
                return error(404, "NOT_FOUND", "Not Found")
            page = self.pages.get(match.group(1))
            if page is None or page["status"] != "current":
                return error(404, "NOT_FOUND", "Page not found")
            if request.method == "GET":
                return _json(self._shown(page))
            if request.method == "PUT":
                return self._update(page, request.get_json())
            if request.method == "DELETE":
                page["status"] = "trashed"
                return Response(status=204)
            return error(405, "METHOD_NOT_ALLOWED", "Method Not Allowed")

    def _list(self, request: Request) -> Response:
        title, space = request.args.get("title"), request.args.get("space-id")
        status = request.args.get("status", "current")
        found = [
            self._shown(p) for p in self.pages.values()
            if (title is None or p["title"] == title) and (space is None or p["spaceId"] == space)
            and p["status"] == status
        ]  # fmt: skip
        return _json({"results": found, "_links": {"base": f"{self.site}/wiki"}})

    def _check_body(self, data: dict) -> Response | None:
        body = data.get("body") or {}
        if body.get("representation") != "storage":
            return error(400, "INVALID_REQUEST_PARAMETER", "Unsupported body representation")
        complaint = well_formed(body.get("value", ""))
        if complaint:
            return error(400, "INVALID_MESSAGE", f"Error parsing xhtml: {complaint}")
        return None

    def _title_taken(self, title: str, but: str = "") -> bool:
        return any(
            p["title"] == title and p["status"] == "current" and p["id"] != but
            for p in self.pages.values()
        )

    def _create(self, data: dict) -> Response:
        problem = self._check_body(data)
        if problem:
            return problem
        if data.get("spaceId") != SPACE_ID:
            return error(404, "NOT_FOUND", "Space not found")
        if data.get("parentId") not in self.pages:
            return error(404, "NOT_FOUND", "Parent page not found")
        if self._title_taken(data["title"]):
            return error(
                400, "INVALID_REQUEST_PARAMETER",
                "A page with this title already exists: A page already exists with the same "
                "TITLE in this space",
            )  # fmt: skip
        self.next_id += 1
        page_id = str(self.next_id)
        page = self._new_page(page_id, data["title"], data["parentId"], data["body"]["value"])
        self.pages[page_id] = page
        if self.lose_create_answers:
            self.lose_create_answers -= 1
            return Response("Bad Gateway", status=502)
        return _json(self._shown(page))

    def _update(self, page: dict, data: dict) -> Response:
        if self.edits_before_put:
            self.edits_before_put -= 1
            page["version"]["number"] += 1  # someone saved the page in the editor just now
        number = (data.get("version") or {}).get("number")
        current = page["version"]["number"]
        if number != current + 1:
            return error(
                409, "CONFLICT",
                f"Version must be incremented on update. Current version is: {current}",
            )  # fmt: skip
        problem = self._check_body(data)
        if problem:
            return problem
        if self._title_taken(data["title"], but=page["id"]):
            return error(409, "CONFLICT", "A page with this title already exists")
        page["title"] = data["title"]
        page["version"] = {"number": number, "message": data["version"].get("message", "")}
        page["body"]["storage"]["value"] = data["body"]["value"]
        return _json(self._shown(page))
