"""A client of the Confluence Cloud REST API v2, as publishing uses it.

Each call returns plain values or raises ConfluenceError, whose message says plainly what
is wrong for the person reading it on the connection page, with Confluence's own words;
`transient` says whether a later try can help (Confluence down, a rate limit) and
`retry_after` how long Confluence asked us to wait. The token goes in the Authorization
header only (basic auth with the account's e-mail), never in a URL, a message or a log.

Every call goes through core.outgoing: the host is resolved once, a site on a private,
loopback or link-local address is refused (unless CONFLUENCE_ALLOW_PRIVATE_ADDRESSES), and
the connection goes to the address that was checked. Redirects are not followed.
"""

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from confluence.models import ConfluenceConnection
from core import outgoing

USER_AGENT = "postmortems-confluence/1"
REFUSAL = "Confluence must be on a public address."


class ConfluenceError(Exception):
    """A call to Confluence failed; the message is for people, `transient` for retries."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: int | None = None,
        said: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.said = said


class PageGone(ConfluenceError):
    """The page is not in Confluence any more (deleted, or moved to the trash)."""


@dataclass
class RemotePage:
    """A page as Confluence describes it."""

    id: str
    title: str
    version: int
    url: str
    parent_id: str = ""
    space_id: str = ""


def check_host(url: str) -> str:
    """Return the address to call for the URL; raise ConfluenceError when it may not be called."""
    try:
        _parts, addresses = outgoing.resolve(
            url, allow_private=settings.CONFLUENCE_ALLOW_PRIVATE_ADDRESSES, refusal=REFUSAL
        )
    except outgoing.RefusedURL as error:
        raise ConfluenceError(str(error)) from None
    except OSError:
        host = urlsplit(url).hostname
        raise ConfluenceError(f"{host} does not resolve; check the site URL.") from None
    return addresses[0]


def _retry_after(response: requests.Response) -> int | None:
    """Return the seconds Confluence asks us to wait (Retry-After: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return int(value)
    if value:
        try:
            return max(0, int((parsedate_to_datetime(value) - timezone.now()).total_seconds()))
        except (TypeError, ValueError):
            pass
    return None


def confluence_message(response: requests.Response) -> str:
    """Return what Confluence said about the failure, shortened.

    The v2 API answers {"errors": [{"status", "code", "title", "detail"}]}; older parts of
    Confluence answer {"message": …} or {"statusCode", "message"}.
    """
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            parts += [str(error.get(k) or "") for k in ("title", "detail")]
    if data.get("message"):
        parts.append(str(data["message"]))
    seen: list[str] = []
    for part in (p.strip() for p in parts):
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)[:300]


def _page(data: dict[str, Any], site_url: str) -> RemotePage:
    links = data.get("_links") or {}
    base = str(links.get("base") or f"{site_url.rstrip('/')}/wiki")
    webui = str(links.get("webui") or "")
    return RemotePage(
        id=str(data["id"]),
        title=str(data.get("title") or ""),
        version=int((data.get("version") or {}).get("number") or 0),
        url=f"{base}{webui}" if webui else "",
        parent_id=str(data.get("parentId") or ""),
        space_id=str(data.get("spaceId") or ""),
    )


class ConfluenceClient:
    """Pages of one space, with an Atlassian account's e-mail and API token."""

    def __init__(self, connection: ConfluenceConnection) -> None:
        self.connection = connection

    def _url(self, path: str) -> str:
        return f"{self.connection.api_url}{path}"

    def _explain(self, status: int, said: str) -> str:
        space = self.connection.space_key
        reason = {
            400: "Confluence refused the page (400).",
            401: "Confluence refused the e-mail and API token (401): the token is wrong, "
            "expired or revoked, or belongs to another account. Enter a new API token.",
            403: f"The account may not do this in the space {space} (403): give it "
            "permission to view the space and add pages there.",
            404: f"Confluence has no space {space} or no such page, or the account cannot "
            "see it (404): check the space key and the parent page ID.",
            409: "Confluence reports a conflict (409).",
            413: "The postmortem is too large for a Confluence page (413).",
        }.get(status, f"Confluence answered {status}.")
        return f"{reason} Confluence said: {said}" if said else reason

    def request(self, method: str, path: str, *, expect=(200,), **kwargs) -> requests.Response:
        url = self._url(path)
        address = check_host(url)
        try:
            response = outgoing.pinned_request(
                method,
                url,
                address=address,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                auth=(self.connection.email, self.connection.token),
                timeout=settings.CONFLUENCE_TIMEOUT_SECONDS,
                **kwargs,
            )
        except requests.RequestException as error:
            host = urlsplit(url).hostname
            raise ConfluenceError(
                f"Confluence at {host} did not answer ({type(error).__name__}); "
                "it is tried again later.",
                transient=True,
            ) from None
        status = response.status_code
        if status in expect:
            return response
        said = confluence_message(response)
        retry_after = _retry_after(response)
        if status == 429:
            wait = f" for {retry_after} s" if retry_after is not None else ""
            raise ConfluenceError(
                f"Confluence is rate-limiting us (429); waiting{wait} before trying again.",
                status=status, transient=True, retry_after=retry_after, said=said,
            )  # fmt: skip
        if status >= 500:
            raise ConfluenceError(
                f"Confluence had an error ({status}); it is tried again later.",
                status=status, transient=True, retry_after=retry_after, said=said,
            )  # fmt: skip
        if status in (301, 302, 303, 307, 308):
            raise ConfluenceError(
                f"Confluence answered with a redirect ({status}): check the site URL, "
                "e.g. https://acme.atlassian.net.",
                status=status,
            )
        raise ConfluenceError(self._explain(status, said), status=status, said=said)

    def space_id(self) -> str:
        """Return the id of the connection's space, found by its key."""
        key = self.connection.space_key
        data = self.request("GET", "/spaces", params={"keys": key}).json()
        results = data.get("results") or []
        if not results:
            raise ConfluenceError(
                f"Confluence has no space with the key {key}, or the account cannot see it."
            )
        return str(results[0]["id"])

    def get_page(self, page_id: str) -> RemotePage:
        """Return the page as it is now; raise PageGone when it is not there."""
        try:
            response = self.request("GET", f"/pages/{page_id}")
        except ConfluenceError as error:
            if error.status == 404:
                raise PageGone(str(error), status=404, said=error.said) from None
            raise
        data = response.json()
        if data.get("status") not in (None, "current"):
            raise PageGone(f"The page {page_id} is {data.get('status')} in Confluence.")
        return _page(data, self.connection.site_url)

    def find_page(self, *, space_id: str, title: str) -> RemotePage | None:
        """Return the current page of the space with this exact title, or None."""
        params = {"space-id": space_id, "title": title, "status": "current", "limit": 5}
        data = self.request("GET", "/pages", params=params).json()
        for result in data.get("results") or []:
            if result.get("title") == title:
                base = (data.get("_links") or {}).get("base")
                if base:
                    result = {**result, "_links": {"base": base, **(result.get("_links") or {})}}
                return _page(result, self.connection.site_url)
        return None

    def create_page(self, *, space_id: str, parent_id: str, title: str, body: str) -> RemotePage:
        payload = {
            "spaceId": space_id,
            "status": "current",
            "title": title,
            "parentId": parent_id,
            "body": {"representation": "storage", "value": body},
        }
        response = self.request("POST", "/pages", json=payload)
        return _page(response.json(), self.connection.site_url)

    def _put(self, page_id: str, *, title: str, body: str, number: int, message: str):
        payload = {
            "id": page_id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": body},
            "version": {"number": number, "message": message},
        }
        response = self.request("PUT", f"/pages/{page_id}", json=payload)
        return _page(response.json(), self.connection.site_url)

    def update_page(self, page_id: str, *, title: str, body: str, message: str) -> RemotePage:
        """Write the page as its next version; on a version conflict, read it again once.

        Confluence wants the current version's number plus one. Someone editing the page
        between our read and our write makes it answer 409: read the number again and
        write once more; a second conflict is an error.
        """
        current = self.get_page(page_id)
        try:
            return self._put(
                page_id, title=title, body=body, number=current.version + 1, message=message
            )
        except ConfluenceError as error:
            if error.status != 409:
                raise
        current = self.get_page(page_id)
        return self._put(
            page_id, title=title, body=body, number=current.version + 1, message=message
        )

    def delete_page(self, page_id: str) -> None:
        """Move the page to the space's trash; a page already gone is fine."""
        try:
            self.request("DELETE", f"/pages/{page_id}", expect=(204, 200))
        except ConfluenceError as error:
            if error.status != 404:
                raise

    def check(self) -> tuple[str, str]:
        """Return the space's id and a sentence saying the space and parent page work."""
        space_id = self.space_id()
        try:
            parent = self.get_page(self.connection.parent_page_id)
        except PageGone:
            raise ConfluenceError(
                f"Confluence has no page {self.connection.parent_page_id}, or the account "
                "cannot see it: check the parent page ID."
            ) from None
        if parent.space_id and parent.space_id != space_id:
            raise ConfluenceError(
                f"The parent page “{parent.title}” is in another space than "
                f"{self.connection.space_key}: pick a page of that space."
            )
        return space_id, (
            f"Connected to the space {self.connection.space_key}; pages go under “{parent.title}”."
        )
