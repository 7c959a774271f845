"""Calls to a code host's REST API: one checked address, the host's reason kept for people."""

from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from core import outgoing
from publishing.remotes.base import Remote, RemoteError
from trackers.clients import check_host
from trackers.errors import TrackerError

USER_AGENT = "postmortems-publishing"


def retry_after(response: requests.Response) -> int | None:
    """Return the seconds the host asks us to wait: Retry-After, or its rate limit's reset."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return int(value)
    if value:
        try:
            return max(0, int((parsedate_to_datetime(value) - timezone.now()).total_seconds()))
        except (TypeError, ValueError):
            pass
    for remaining, reset in (("X-RateLimit-Remaining", "X-RateLimit-Reset"),
                             ("RateLimit-Remaining", "RateLimit-Reset")):  # fmt: skip
        at = response.headers.get(reset, "").strip()
        if at.isdigit() and response.headers.get(remaining) == "0":
            return max(0, int(at) - int(timezone.now().timestamp()))
    return None


def said(response: requests.Response) -> str:
    """Return what the host said about the failure (GitHub's message and errors, GitLab's
    message or error), shortened."""
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if not isinstance(data, dict):
        return ""
    parts = []
    for key in ("message", "error", "error_description"):
        value = data.get(key)
        if isinstance(value, dict):
            parts += [f"{name} {' '.join(map(str, texts))}" for name, texts in value.items()]
        elif isinstance(value, list):
            parts += [str(text) for text in value]
        elif value:
            parts.append(str(value))
    for error in data.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            parts.append(str(error["message"]))
    return "; ".join(part.strip() for part in parts if part.strip())[:300]


class HttpRemote(Remote):
    """A host's API: its name, base URL and headers; request() raises RemoteError."""

    name = ""

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def explain(self, status: int, reason: str) -> str:
        """Return what a refusal means for the person who set the connection up."""
        return f"{self.name} refused ({status}): {reason or 'no reason given'}."

    def request(self, method: str, url: str, *, expect=(200, 201), **kwargs) -> requests.Response:
        try:
            address = check_host(url)
        except TrackerError as error:
            raise RemoteError(str(error).replace("trackers", "code hosts")) from None
        try:
            response = outgoing.pinned_request(
                method, url, address=address,
                headers={"User-Agent": USER_AGENT, **self.headers()},
                timeout=settings.TRACKER_TIMEOUT_SECONDS, **kwargs,
            )  # fmt: skip
        except requests.RequestException as error:
            host = urlsplit(url).hostname
            raise RemoteError(
                f"{self.name} at {host} did not answer ({type(error).__name__}); "
                "it is tried again later.",
                transient=True,
            ) from None
        status = response.status_code
        if status in expect:
            return response
        reason = said(response)
        wait = retry_after(response)
        if status == 429 or (status == 403 and wait is not None):
            raise RemoteError(
                f"{self.name} is rate-limiting us ({status}: {reason}); trying again later.",
                status=status, transient=True, retry_after=wait,
            )  # fmt: skip
        if status >= 500:
            raise RemoteError(
                f"{self.name} had an error ({status}: {reason}); it is tried again later.",
                status=status, transient=True, retry_after=wait,
            )  # fmt: skip
        raise RemoteError(self.explain(status, reason), status=status)
