"""Who is who on GitHub for a connection: the token's own user, and owners found by e-mail.

The token's login (GET /user) is asked once and kept on the connection until its token is
replaced. A retried create looks for its earlier copy among the issues that user made, by
the marker in the body, not by the `postmortem` label: GitHub drops labels and assignees
silently when the token's user has no push access to the repository, so a label may be
missing from the very issue we made.

An owner's e-mail is matched to a login with the user search API, whose rate limit is far
lower than the rest (30 requests a minute): each answer is kept per connection
(GitHubLoginLookup), a login found a week, "nobody" a day. When the search is rate-limited
the issue is made unassigned, and the item says why.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from trackers.errors import TrackerError
from trackers.models import GitHubLoginLookup, TrackerConnection

if TYPE_CHECKING:
    from trackers.clients import GitHubClient, RemoteIssue

LOGIN_KEPT = timedelta(days=7)
NOBODY_KEPT = timedelta(days=1)
# Our clock against GitHub's: an issue made just after the row was written may carry a
# GitHub time a little before the row's.
CLOCK_MARGIN = timedelta(minutes=10)
# Pages of 100 issues the token's user made since the first try: more would be a flood.
MARKER_PAGES = 5


def token_login(client: "GitHubClient") -> str:
    """Return the login of the token's own user, asking GitHub once per connection."""
    connection = client.connection
    if connection.github_token_login:
        return connection.github_token_login
    login = str(client.request("GET", client._url("/user")).json().get("login") or "")
    if login:
        # Only while the token is still the one asked about: a replaced token forgets it.
        TrackerConnection.objects.filter(
            pk=connection.pk, token_encrypted=connection.token_encrypted
        ).update(github_token_login=login)
        connection.github_token_login = login
    return login


def find_own_issue(client: "GitHubClient", marker: str, *, since: datetime) -> "RemoteIssue | None":
    """Return the issue the token's user made since `since` whose body carries the marker.

    The repository's issue list filtered by creator and `since`, newest first, not the
    search API: search is indexed behind, and a retry seconds after a lost answer must see
    the issue just made. Only issues the token's user made count, so nobody else can claim
    an item by pasting its marker into an issue of theirs.
    """
    try:
        login = token_login(client)
    except TrackerError as error:
        if error.transient:
            raise
        login = ""  # a token that may not read its own user: the marker alone decides
    params = {
        "state": "all",
        "since": _github_time(since - CLOCK_MARGIN),
        "sort": "created",
        "direction": "desc",
        "per_page": 100,
    }
    if login:
        params["creator"] = login
    url = client._url(f"/repos/{client.repository}/issues")
    for response in client.pages(url, params, limit=MARKER_PAGES):
        for data in response.json():
            made_by = (data.get("user") or {}).get("login", "")
            if (
                "pull_request" not in data
                and marker in (data.get("body") or "")
                and (not login or made_by.lower() == login.lower())
            ):
                return client._issue(data)
    return None


def _github_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Assignee:
    login: str = ""
    # Why the issue goes unassigned although its item has an owner, for the item's page.
    why_not: str = ""


def login_for_email(client: "GitHubClient", email: str) -> Assignee:
    """Return the login of the one GitHub user with this public e-mail, kept per connection.

    A rate-limited or failing search is not kept: the issue is made unassigned and
    why_not says so; the next create asks again.
    """
    email = email.strip().lower()
    now = timezone.now()
    kept = GitHubLoginLookup.objects.filter(
        connection=client.connection, email=email, expires_at__gt=now
    ).first()
    if kept is not None:
        return Assignee(login=kept.login)
    try:
        login = client.search_login(email)
    except TrackerError as error:
        if error.transient and error.status in (403, 429):
            why = "GitHub's user search is rate-limiting us"
        elif error.transient:
            why = "GitHub's user search did not answer"
        else:
            why = f"GitHub's user search refused ({error.status})"
        return Assignee(
            why_not=f"Made unassigned: {why}, so the owner's e-mail was not matched to a "
            "GitHub login. Assign it in GitHub, or have the owner enter their login under "
            "Settings → You in GitHub and Jira."
        )
    _keep(client.connection, email, login, now)
    return Assignee(login=login)


def _keep(connection: TrackerConnection, email: str, login: str, now: datetime) -> None:
    expires_at = now + (LOGIN_KEPT if login else NOBODY_KEPT)
    values = {"login": login, "looked_up_at": now, "expires_at": expires_at}
    try:
        with transaction.atomic():
            GitHubLoginLookup.objects.update_or_create(
                connection=connection, email=email, defaults=values
            )
    except IntegrityError:
        pass  # another worker kept the same answer at the same moment
