"""A GitHub repository renamed or moved to another owner: follow it, keep its issues.

GitHub answers the old `owner/name` path with a redirect (301 for GET, 307 for the other
methods) to the repository's id, `/repositories/{id}/…`. Redirects are never followed
blindly: the repository's own path is asked (a transferred issue redirects too, while its
repository still answers), the Location must be on the connection's API host, and the
repository is fetched there to learn its new full_name. Then the connection points at the
new name, its issues' keys and URLs move from `old/name#N` to `new/name#N` (so reconcile
and webhooks keep matching them), the rename is recorded for the connection's page, and
the call is made once more at the new path.

A signed webhook naming the repository's id under a new full_name is the same rename,
taken in without a call.
"""

import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import TrackerIssue
from trackers.errors import TrackerError
from trackers.models import REPOSITORY, TrackerConnection, TrackerRepositoryRename

if TYPE_CHECKING:
    from trackers.clients import GitHubClient

logger = logging.getLogger(__name__)

MOVED = (301, 302, 307, 308)


def follow(client: "GitHubClient", url: str, error: TrackerError) -> str | None:
    """Return where to make again a call that GitHub redirected because the repository moved.

    The connection and its issues are moved to the new name first. Return None when it is
    not the repository that moved (a transferred issue): the caller raises the error.
    """
    old_name = client.repository
    repo_url = client._url(f"/repos/{old_name}")
    rest = _rest_of(url, repo_url)
    if rest is None:
        return None
    location = error.location
    if rest:
        try:
            client.request_here("GET", repo_url)
        except TrackerError as repo_error:
            if repo_error.status not in MOVED:
                raise
            location = repo_error.location
        else:
            error.repository_answers = True
            return None
    repository_url = _repository_url(client, urljoin(repo_url, location))
    if repository_url is None:
        raise TrackerError(
            f"GitHub says {old_name} moved, to a place off this API's host; not followed. "
            "Enter the repository's new name on the connection.",
            status=error.status,
        )
    data = client.request_here("GET", repository_url).json()
    new_name = str(data.get("full_name") or "")
    if not _valid_name(new_name) or new_name.lower() == old_name.lower():
        return None
    repository_renamed(
        connection=client.connection,
        old_name=old_name,
        new_name=new_name,
        repository_id=data.get("id"),
    )
    return client._url(f"/repos/{new_name}") + rest


def _rest_of(url: str, repo_url: str) -> str | None:
    """Return what follows the repository's path in the URL ('' for the repository), or None."""
    if url.lower() == repo_url.lower():
        return ""
    if url.lower().startswith(repo_url.lower() + "/"):
        return url[len(repo_url) :]
    return None


def _repository_url(client: "GitHubClient", location: str) -> str | None:
    """Return `{api}/repositories/{id}` for a Location on the connection's API host, else None."""
    if not location or not client.same_api_host(location):
        return None
    base_path = urlsplit(client.connection.github_api_url).path.rstrip("/")
    match = re.fullmatch(
        rf"{re.escape(base_path)}/repositories/(\d+)(?:/.*)?", urlsplit(location).path
    )
    if match is None:
        return None
    return client._url(f"/repositories/{match.group(1)}")


def _valid_name(name: str) -> bool:
    try:
        REPOSITORY(name)
    except ValidationError:
        return False
    return True


def note_repository_id(connection: TrackerConnection, repository_id) -> None:
    """Keep GitHub's id of the connection's repository, which a rename does not change."""
    if isinstance(repository_id, int) and connection.github_repository_id != repository_id:
        TrackerConnection.objects.filter(pk=connection.pk).update(
            github_repository_id=repository_id
        )
        connection.github_repository_id = repository_id


def is_our_repository(connection: TrackerConnection, repository: dict) -> bool:
    """Return whether a signed webhook's repository is the connection's, renamed or not.

    A rename it shows (our repository's id under another full_name) is taken in.
    """
    full_name = str(repository.get("full_name") or "")
    if full_name.lower() == connection.github_repository.lower():
        note_repository_id(connection, repository.get("id"))
        return True
    same = (
        connection.github_repository_id is not None
        and repository.get("id") == connection.github_repository_id
        and _valid_name(full_name)
    )
    if same:
        repository_renamed(
            connection=connection, old_name=connection.github_repository, new_name=full_name
        )
    return same


def _moved_url(url: str, old_name: str, new_name: str) -> str:
    """Return the issue's web URL under the new name (github.com/old/name/issues/3 → …)."""
    return re.sub(
        rf"/{re.escape(old_name)}/issues/", f"/{new_name}/issues/", url, count=1, flags=re.I
    )


@transaction.atomic
def repository_renamed(
    *,
    connection: TrackerConnection,
    old_name: str,
    new_name: str,
    repository_id: int | None = None,
) -> TrackerRepositoryRename | None:
    """Point the connection at new_name, move its issues' keys there, and record it.

    Return the record, or None when another worker had already moved the connection.
    """
    locked = TrackerConnection.objects.select_for_update().get(pk=connection.pk)
    connection.github_repository = locked.github_repository
    if locked.github_repository.lower() != old_name.lower():
        return None
    issues = list(
        TrackerIssue.objects.filter(
            kind=TrackerIssue.Kind.GITHUB,
            key__istartswith=f"{old_name}#",
            action_item__incident__team_id=connection.team_id,
        )
    )
    for issue in issues:
        issue.key = f"{new_name}#{issue.key.rpartition('#')[2]}"
        issue.url = _moved_url(issue.url, old_name, new_name)
    TrackerIssue.objects.bulk_update(issues, ["key", "url"])
    fields = {"github_repository": new_name}
    if isinstance(repository_id, int):
        fields["github_repository_id"] = repository_id
    TrackerConnection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)
    logger.info(
        "GitHub repository %s was renamed to %s; %d issues follow", old_name, new_name, len(issues)
    )
    return TrackerRepositoryRename.objects.create(
        connection=connection, old_name=old_name, new_name=new_name, issues_renamed=len(issues)
    )
