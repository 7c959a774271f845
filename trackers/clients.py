"""Clients of the GitHub REST API and the Jira Cloud REST API v3, as this app uses them.

Each call returns plain values or raises TrackerError, whose message says plainly what is
wrong for the person reading it on the connection page or the item; `transient` says
whether trying again later can help (the tracker down, a rate limit), and `retry_after`
how long the tracker asked us to wait. Tokens go in headers only, never in a URL, a
message or a log line.

Every call goes through core.outgoing: the host is resolved once, a tracker on a private,
loopback or link-local address is refused (unless TRACKER_ALLOW_PRIVATE_ADDRESSES), and the
connection goes to the address that was checked, so a connection cannot be used to reach
the inside of our network, even by a name that answers differently the second time.
Redirects are not followed: a 301 for a renamed repository is read by github_renames, which
asks the same API host where the repository went before calling there.

GitHub's people (the token's own login, owners found by e-mail) are in github_people.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from core import outgoing
from incidents.models import TrackerIssue
from trackers import github_people, github_renames
from trackers.errors import IssueGone, TrackerError
from trackers.models import TrackerConnection

logger = logging.getLogger(__name__)

USER_AGENT = "postmortems-trackers/1"
OPEN, CLOSED = TrackerIssue.State.OPEN, TrackerIssue.State.CLOSED


@dataclass
class RemoteIssue:
    """An issue as its tracker describes it."""

    key: str
    url: str
    state: str
    assignee: str = ""
    not_planned: bool = False
    etag: str = ""
    # When the tracker last changed the issue, in its own clock (None when it did not say).
    updated_at: datetime | None = None
    # The label names it carries (GitHub), None when the answer did not list them.
    labels: list[str] | None = None


def parse_time(value: Any) -> datetime | None:
    """Return an aware UTC datetime for GitHub's `…Z` or Jira's `….000+0000`, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def github_time(value: datetime) -> str:
    """Return the time as GitHub's parameters take it: ISO 8601 in UTC, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_link(response: requests.Response) -> str:
    """Return the URL of the Link header's rel="next", or ''."""
    return (response.links.get("next") or {}).get("url", "")


REFUSAL = "trackers must be on public addresses."


def check_host(url: str) -> str:
    """Return the address to call for the URL; raise TrackerError when it may not be called."""
    try:
        _parts, addresses = outgoing.resolve(
            url, allow_private=settings.TRACKER_ALLOW_PRIVATE_ADDRESSES, refusal=REFUSAL
        )
    except outgoing.RefusedURL as error:
        raise TrackerError(str(error)) from None
    except OSError:
        host = urlsplit(url).hostname
        raise TrackerError(f"{host} does not resolve; check the address.") from None
    return addresses[0]


def _retry_after(response: requests.Response) -> int | None:
    """Return the seconds the tracker asks us to wait (Retry-After, or GitHub's reset)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return int(value)
    if value:
        try:
            return max(0, int((parsedate_to_datetime(value) - timezone.now()).total_seconds()))
        except (TypeError, ValueError):
            pass
    reset = response.headers.get("X-RateLimit-Reset", "").strip()
    if reset.isdigit() and response.headers.get("X-RateLimit-Remaining") == "0":
        return max(0, int(reset) - int(timezone.now().timestamp()))
    return None


def _tracker_message(response: requests.Response) -> str:
    """Return what the tracker said about the failure, shortened."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = []
    if data.get("message"):
        parts.append(str(data["message"]))
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            parts.append(
                str(error.get("message") or f"{error.get('field', '')} {error.get('code', '')}")
            )
    parts.extend(str(m) for m in data.get("errorMessages") or [])
    if isinstance(data.get("errors"), dict):
        parts.extend(f"{field}: {text}" for field, text in data["errors"].items())
    return "; ".join(p.strip() for p in parts if p.strip())[:300]


class _Client:
    name = ""

    def __init__(self, connection: TrackerConnection) -> None:
        self.connection = connection

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _auth(self):
        return None

    def _explain(self, status: int, said: str) -> str:
        raise NotImplementedError

    def request(
        self, method: str, url: str, *, expect=(200, 201), headers=None, **kwargs
    ) -> requests.Response:
        address = check_host(url)
        try:
            response = outgoing.pinned_request(
                method,
                url,
                address=address,
                headers={**self._headers(), **(headers or {})},
                auth=self._auth(),
                timeout=settings.TRACKER_TIMEOUT_SECONDS,
                **kwargs,
            )
        except requests.RequestException as error:
            host = urlsplit(url).hostname
            raise TrackerError(
                f"{self.name} at {host} did not answer ({type(error).__name__}); "
                "it is tried again later.",
                transient=True,
            ) from None
        status = response.status_code
        if status in expect or status == 304:
            return response
        said = _tracker_message(response)
        retry_after = _retry_after(response)
        rate_limited = status == 429 or (status == 403 and retry_after is not None)
        if rate_limited:
            wait = f" for {retry_after} s" if retry_after is not None else ""
            raise TrackerError(
                f"{self.name} is rate-limiting us ({status}); waiting{wait} before trying again.",
                status=status,
                transient=True,
                retry_after=retry_after,
            )
        if status in (301, 302, 307, 308):
            raise TrackerError(
                f"{self.name} says this moved ({status}).",
                status=status,
                location=response.headers.get("Location", ""),
            )
        if status >= 500:
            raise TrackerError(
                f"{self.name} had an error ({status}); it is tried again later.",
                status=status,
                transient=True,
                retry_after=retry_after,
            )
        raise TrackerError(self._explain(status, said), status=status)


class GitHubClient(_Client):
    """GitHub Issues of one repository, with a fine-grained token (Issues: read and write)."""

    name = "GitHub"

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.connection.token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": USER_AGENT,
        }

    @property
    def repository(self) -> str:
        return self.connection.github_repository

    def _url(self, path: str) -> str:
        return f"{self.connection.github_api_url.rstrip('/')}{path}"

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """Make the call; when the repository was renamed or moved, follow it and call once more.

        GitHub answers a renamed repository's old path with a redirect to its id; the
        connection (and its issues' keys) move to the new name and the call is made there.
        """
        try:
            return self.request_here(method, url, **kwargs)
        except TrackerError as error:
            if error.status not in github_renames.MOVED:
                raise
            moved_url = github_renames.follow(self, url, error)
            if moved_url is None:
                raise
        return self.request_here(method, moved_url, **kwargs)

    def request_here(self, method: str, url: str, **kwargs) -> requests.Response:
        """Make the call to this very URL: a redirect is an error, as with every tracker."""
        return super().request(method, url, **kwargs)

    def pages(
        self, url: str, params: dict[str, Any] | None, *, limit: int | None = None
    ) -> Iterator[requests.Response]:
        """Yield the answers of a list and its next pages (at most `limit`), on this host only.

        The Link header's next page is followed only while it stays on this API's host: the
        token goes nowhere else.
        """
        count = 0
        while url and (limit is None or count < limit):
            response = self.request("GET", url, params=params)
            count += 1
            yield response
            url, params = next_link(response), None
            if url and not self.same_api_host(url):
                logger.warning("GitHub's next page is on another host; not followed: %s", url)
                return

    def _explain(self, status: int, said: str) -> str:
        repo = self.repository
        reason = {
            401: "GitHub refused the token (401): it is wrong, expired or revoked. "
            "Enter a new fine-grained token.",
            403: f"The token may not do this on {repo} (403): give it the Issues "
            "permission (read and write) on that repository.",
            404: f"GitHub has no repository {repo}, or the token cannot see it (404): "
            "check the name and that the token covers this repository.",
            410: f"Issues are turned off for {repo} (410).",
            422: "GitHub refused the issue (422).",
        }.get(status, f"GitHub answered {status}.")
        return f"{reason} GitHub said: {said}" if said else reason

    def _issue(self, data: dict[str, Any], etag: str = "") -> RemoteIssue:
        assignee = (data.get("assignee") or {}).get("login", "")
        return RemoteIssue(
            key=f"{self.repository}#{data['number']}",
            url=data["html_url"],
            state=CLOSED if data.get("state") == "closed" else OPEN,
            assignee=assignee,
            not_planned=data.get("state_reason") == "not_planned",
            etag=etag,
            updated_at=parse_time(data.get("updated_at")),
            labels=[
                str(label.get("name", "")) for label in data["labels"] if isinstance(label, dict)
            ]
            if isinstance(data.get("labels"), list)
            else None,
        )

    def check(self) -> str:
        data = self.request("GET", self._url(f"/repos/{self.repository}")).json()
        github_renames.note_repository_id(self.connection, data.get("id"))
        if data.get("has_issues") is False:
            raise TrackerError(f"Issues are turned off for {self.repository}.")
        return f"Connected to {data.get('full_name', self.repository)}."

    def create_issue(
        self, *, title: str, body: str, labels: list[str], assignee: str = ""
    ) -> RemoteIssue:
        payload: dict[str, Any] = {"title": title, "body": body, "labels": labels}
        if assignee:
            payload["assignees"] = [assignee]
        url = self._url(f"/repos/{self.repository}/issues")
        try:
            response = self.request("POST", url, json=payload, expect=(201,))
        except TrackerError as error:
            if not (assignee and error.status == 422):
                raise
            # A login that is not a collaborator: create the issue unassigned rather than not.
            payload.pop("assignees")
            response = self.request("POST", url, json=payload, expect=(201,))
        return self._issue(response.json())

    def find_by_marker(self, marker: str, *, since: datetime) -> RemoteIssue | None:
        """Return the issue the token's user made since `since` carrying the marker, or None."""
        return github_people.find_own_issue(self, marker, since=since)

    def changed_since(self, since: datetime) -> Iterator[list[RemoteIssue]]:
        """Yield, a page at a time, the repository's issues changed since `since`, oldest first.

        GitHub's issue list (`since`, sorted by update, ascending), page after page.
        """
        url = self._url(f"/repos/{self.repository}/issues")
        params: dict[str, Any] | None = {
            "state": "all", "since": github_time(since),
            "sort": "updated", "direction": "asc", "per_page": 100,
        }  # fmt: skip
        for response in self.pages(url, params):
            yield [self._issue(data) for data in response.json() if "pull_request" not in data]

    def get_issue(self, key: str, *, etag: str = "") -> RemoteIssue | None:
        """Return the issue, or None when it did not change since the answer with etag.

        Raise IssueGone when GitHub says it was deleted (410; or 404 while the repository
        itself answers) or transferred to another repository (301 to the issue's new place).
        """
        number = key.rpartition("#")[2]
        headers = {"If-None-Match": etag} if etag else {}
        try:
            response = self.request(
                "GET", self._url(f"/repos/{self.repository}/issues/{number}"), headers=headers
            )
        except TrackerError as error:
            self._raise_if_gone(key, error)
            raise
        if response.status_code == 304:
            return None
        return self._issue(response.json(), etag=response.headers.get("ETag", ""))

    def same_api_host(self, url: str) -> bool:
        base = urlsplit(self.connection.github_api_url)
        target = urlsplit(url)
        return (target.scheme, target.netloc) == (base.scheme, base.netloc)

    def _raise_if_gone(self, key: str, error: TrackerError) -> None:
        if error.status == 410:
            raise IssueGone(f"{key} was deleted in GitHub.") from None
        if error.status not in (301, 404):
            return
        # Only when the repository itself still answers is the issue what went away.
        if not error.repository_answers:
            self.request("GET", self._url(f"/repos/{self.repository}"))
        if error.status == 404:
            raise IssueGone(f"{key} was deleted in GitHub.", status=404) from None
        if not self.same_api_host(error.location):
            raise TrackerError(f"GitHub moved {key} to another host; not followed.")
        data = self.request("GET", error.location).json()
        new_repo = urlsplit(data.get("repository_url", "")).path.removeprefix("/repos/")
        new_key = f"{new_repo}#{data['number']}"
        raise IssueGone(
            f"{key} was transferred to {new_key}.",
            moved_to_key=new_key,
            moved_to_url=data.get("html_url", ""),
        ) from None

    def set_state(self, key: str, *, closed: bool, not_planned: bool = False) -> RemoteIssue:
        """Close (as completed or not planned) or reopen the issue."""
        number = key.rpartition("#")[2]
        payload = (
            {"state": "closed", "state_reason": "not_planned" if not_planned else "completed"}
            if closed
            else {"state": "open"}
        )
        url = self._url(f"/repos/{self.repository}/issues/{number}")
        return self._issue(self.request("PATCH", url, json=payload).json())

    def search_login(self, email: str) -> str:
        """Return the login of the one GitHub user with this public e-mail, else ''.

        The search API (30 requests a minute): call it through github_people, which keeps
        the answers. Raise TrackerError when GitHub does not answer (a rate limit).
        """
        response = self.request(
            "GET", self._url("/search/users"), params={"q": f"{email} in:email"}
        )
        items = response.json().get("items") or []
        return items[0]["login"] if len(items) == 1 else ""

    def parse_reference(self, text: str) -> str | None:
        """Return 'owner/repo#N' for a URL, owner/repo#N, #N or N of this repository."""
        text = text.strip()
        repo = self.repository
        if text.startswith(("http://", "https://")):
            parts = urlsplit(text).path.strip("/").split("/")
            if len(parts) == 4 and parts[2] == "issues" and parts[3].isdigit():
                if f"{parts[0]}/{parts[1]}".lower() != repo.lower():
                    return None
                return f"{repo}#{parts[3]}"
            return None
        owner_repo, _, number = text.rpartition("#")
        if number.isdigit() and owner_repo.lower() in ("", repo.lower()):
            return f"{repo}#{number}"
        if text.isdigit():
            return f"{repo}#{text}"
        return None


def _adf_text(text: str, href: str = "") -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


def adf_document(paragraphs: list[str], *, link_text: str, link: str) -> dict[str, Any]:
    """Return an Atlassian Document Format document: the paragraphs, then a link back."""
    content = [{"type": "paragraph", "content": [_adf_text(p)]} for p in paragraphs if p.strip()]
    content.append({"type": "paragraph", "content": [_adf_text(link_text, link)]})
    return {"type": "doc", "version": 1, "content": content}


class JiraClient(_Client):
    """One Jira Cloud project, with an Atlassian account's e-mail and API token."""

    name = "Jira"
    FIELDS = ["status", "assignee", "resolution", "updated"]

    def _headers(self) -> dict[str, str]:
        return {"Accept": "application/json", "User-Agent": USER_AGENT}

    def _auth(self):
        return (self.connection.jira_email, self.connection.token)

    @property
    def site(self) -> str:
        return self.connection.jira_site_url.rstrip("/")

    @property
    def project(self) -> str:
        return self.connection.jira_project_key

    def _explain(self, status: int, said: str) -> str:
        reason = {
            400: "Jira refused the request (400).",
            401: "Jira refused the e-mail and API token (401): check both, and that the "
            "token is not revoked.",
            403: f"The account may not do this in {self.project} (403): it needs "
            "Browse and Create issues permissions in the project.",
            404: f"Jira has no project {self.project} on {self.site}, or the account "
            "cannot see it (404).",
        }.get(status, f"Jira answered {status}.")
        return f"{reason} Jira said: {said}" if said else reason

    def _issue(self, data: dict[str, Any]) -> RemoteIssue:
        fields = data.get("fields") or {}
        category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
        resolution = (fields.get("resolution") or {}).get("name", "")
        return RemoteIssue(
            key=data["key"],
            url=f"{self.site}/browse/{data['key']}",
            state=CLOSED if category == "done" else OPEN,
            assignee=(fields.get("assignee") or {}).get("displayName", ""),
            not_planned=resolution.lower() in {"won't do", "won't fix", "declined"},
            updated_at=parse_time(fields.get("updated")),
        )

    def check(self) -> str:
        project = quote(self.project)
        data = self.request("GET", f"{self.site}/rest/api/3/project/{project}").json()
        return f"Connected to {data.get('name', self.project)} ({data.get('key', self.project)})."

    def create_issue(
        self,
        *,
        title: str,
        description: dict[str, Any],
        labels: list[str],
        account_id: str = "",
    ) -> RemoteIssue:
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "summary": title[:255],
            "description": description,
            "issuetype": {"name": self.connection.jira_issue_type},
            "labels": labels,
        }
        if account_id:
            fields["assignee"] = {"accountId": account_id}
        url = f"{self.site}/rest/api/3/issue"
        try:
            response = self.request("POST", url, json={"fields": fields}, expect=(201,))
        except TrackerError as error:
            if not (account_id and error.status == 400 and "assignee" in str(error).lower()):
                raise
            fields.pop("assignee")  # not assignable in this project: create it unassigned
            response = self.request("POST", url, json={"fields": fields}, expect=(201,))
        key = response.json()["key"]
        return RemoteIssue(key=key, url=f"{self.site}/browse/{key}", state=OPEN)

    def search_pages(self, jql: str) -> Iterator[list[RemoteIssue]]:
        """Yield the issues the JQL finds, a page at a time (one request each)."""
        body: dict[str, Any] = {"jql": jql, "fields": self.FIELDS, "maxResults": 100}
        while True:
            data = self.request("POST", f"{self.site}/rest/api/3/search/jql", json=body).json()
            yield [self._issue(issue) for issue in data.get("issues") or []]
            token = data.get("nextPageToken")
            if data.get("isLast", True) or not token:
                return
            body["nextPageToken"] = token

    def search(self, jql: str) -> list[RemoteIssue]:
        return [issue for page in self.search_pages(jql) for issue in page]

    def changed_since(self, since: datetime) -> Iterator[list[RemoteIssue]]:
        """Yield, a page at a time, the project's issues changed since `since`, oldest first.

        JQL reads an absolute date in the Jira user's own time zone, which we do not know,
        and to the minute only: a relative `-Nm` counted back from now reads the same in
        every zone; a few minutes more than needed cover our clock against Jira's.
        """
        minutes = int((timezone.now() - since).total_seconds() // 60) + 5
        jql = (
            f'project = "{self.project}" AND updated >= "-{max(minutes, 1)}m" ORDER BY updated ASC'
        )
        yield from self.search_pages(jql)

    def find_by_label(self, label: str) -> RemoteIssue | None:
        found = self.search(f'project = "{self.project}" AND labels = "{label}"')
        return found[0] if found else None

    def get_issue(self, key: str, *, etag: str = "") -> RemoteIssue | None:
        response = self.request(
            "GET",
            f"{self.site}/rest/api/3/issue/{quote(key)}",
            params={"fields": ",".join(self.FIELDS)},
        )
        return self._issue(response.json())

    def set_state(self, key: str, *, closed: bool, not_planned: bool = False) -> RemoteIssue:
        """Move the issue by a transition into (or out of) the status category done."""
        url = f"{self.site}/rest/api/3/issue/{quote(key)}/transitions"
        transitions = self.request("GET", url).json().get("transitions") or []

        def leads_to_done(transition: dict[str, Any]) -> bool:
            status = transition.get("to") or {}
            return (status.get("statusCategory") or {}).get("key") == "done"

        wanted = [t for t in transitions if leads_to_done(t) == closed]
        if not wanted:
            raise TrackerError(
                f"No transition of {key} leads {'to' if closed else 'out of'} a done status; "
                "change it in Jira."
            )
        self.request("POST", url, json={"transition": {"id": wanted[0]["id"]}}, expect=(204,))
        return self.get_issue(key)

    def get_issues(self, keys: list[str]) -> dict[str, RemoteIssue]:
        """Return the issues with these keys, found in one search (JQL `key in (…)`)."""
        if not keys:
            return {}
        listed = ", ".join(f'"{key}"' for key in keys)
        return {issue.key: issue for issue in self.search(f"key in ({listed})")}

    def account_for_email(self, email: str) -> str:
        """Return the account ID of the one active Jira user with this e-mail, else ''."""
        try:
            response = self.request(
                "GET", f"{self.site}/rest/api/3/user/search", params={"query": email}
            )
        except TrackerError:
            return ""
        users = [
            user
            for user in response.json()
            if user.get("active", True)
            and (user.get("emailAddress") or "").lower() == email.lower()
        ]
        return users[0]["accountId"] if len(users) == 1 else ""

    def parse_reference(self, text: str) -> str | None:
        """Return the key for a URL (…/browse/OPS-12) or key (OPS-12) of this project."""
        text = text.strip()
        if text.startswith(("http://", "https://")):
            parts = urlsplit(text)
            if f"{parts.scheme}://{parts.netloc}".lower() != self.site.lower():
                return None
            text = parts.path.rstrip("/").rpartition("/")[2]
        key, _, number = text.upper().rpartition("-")
        if key == self.project and number.isdigit():
            return f"{key}-{number}"
        return None


def client_for(connection: TrackerConnection) -> GitHubClient | JiraClient:
    if connection.kind == TrackerConnection.Kind.GITHUB:
        return GitHubClient(connection)
    return JiraClient(connection)
