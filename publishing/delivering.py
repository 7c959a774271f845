"""Write one owed publication to its repository: once, whatever happens.

The row is claimed (core.deliveries); the remote is called; the row and the file's agreed
state are written with the claim still held. A try after a lost one finds the earlier work
by the branch's name and the file's blob id (publishing.remotes), so nothing is committed
twice and no second pull request is opened.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from core import deliveries
from core.models import Delivery
from incidents.models import User
from publishing.models import PublishDelivery, RepositoryConnection, RepositoryFile, blob_sha
from publishing.remotes import RemoteError, remote_for
from publishing.remotes.base import Author, Remote, commit_message
from publishing.services import file_name, record_error

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    retry_in: int | None = None


def author_of(user: User | None) -> Author:
    """Return who signs a publication off: the publisher, by name and e-mail."""
    if user is None:
        name, email = settings.PUBLISHING_COMMITTER.rsplit(" <", 1)
        return Author(name=name, email=email.rstrip(">"))
    email = user.email or f"{user.username}@users.noreply.invalid"
    return Author(name=user.get_full_name() or user.username, email=email)


def branch_for(row: PublishDelivery) -> str:
    """Return the branch the version goes to: its own in pull-request mode, else the main one."""
    if not row.connection.opens_pull_requests:
        return row.connection.branch
    return f"postmortems/{row.postmortem.incident.reference}-v{row.version.number}"


def publish(delivery_id: int) -> Outcome:
    """Try once to write an owed publication; return when to try again, if ever."""
    row = deliveries.claim(PublishDelivery, delivery_id)
    if row is None:
        return Outcome()
    row = PublishDelivery.objects.select_related(
        "connection__team", "postmortem__incident", "version__published_by", "requested_by"
    ).get(pk=row.pk)
    incident = row.postmortem.incident
    if incident.is_private:
        # Made private after it was owed: a repository's readers are not the incident's.
        deliveries.finish(row, Delivery.Status.SKIPPED)
        return Outcome()
    connection: RepositoryConnection = row.connection
    file = RepositoryFile.objects.filter(connection=connection, incident=incident).first()
    path = file.path if file else connection.path_for(file_name(incident))
    text = row.version.markdown
    author = author_of(row.version.published_by or row.requested_by)
    branch = branch_for(row)
    title = f"Postmortem {incident.reference} v{row.version.number}: {incident.title}"
    if not deliveries.renew_claim(row):
        return Outcome()
    remote = remote_for(connection)
    try:
        written = remote.publish(
            path=path,
            text=text,
            message=commit_message(title=title, author=author),
            author=author,
            branch=branch,
            title=title,
        )
    except RemoteError as error:
        record_error(connection, error)
        may_retry = error.transient and row.attempts < settings.PUBLISHING_MAX_ATTEMPTS
        failed = deliveries.retry_or_fail(row, error, may_retry=may_retry,
                                          retry_in=error.retry_after)  # fmt: skip
        return Outcome(retry_in=failed.retry_in)
    with transaction.atomic():
        PublishDelivery.objects.filter(pk=row.pk, claim_token=row.claim_token).update(
            path=path, branch=written.branch, commit=written.commit,
            pull_request_url=written.pull_request_url,
        )  # fmt: skip
        if deliveries.finish(row, Delivery.Status.SENT):
            file = file or RepositoryFile(connection=connection, incident=incident, path=path)
            # Agreed on what we wrote: once the pull request is merged, the branch shows it.
            file.agree_on(blob_sha(text), text)
            file.save()
    record_error(connection, None)
    if written.pull_request_url:
        close_superseded(remote, row, written.pull_request_url)
    return Outcome()


def close_superseded(remote: Remote, row: PublishDelivery, by_url: str) -> None:
    """Close the pull requests of this postmortem's earlier versions that are still open, so
    the repository's reviewers merge only the newest. Best effort: the publication is made
    whatever the remote says; a request left open is closed by hand."""
    earlier = (
        PublishDelivery.objects.filter(
            connection=row.connection,
            postmortem=row.postmortem,
            status=Delivery.Status.SENT,
            version__number__lt=row.version.number,
        )
        .exclude(pull_request_url="")
        .exclude(pull_request_url=by_url)
        .values_list("branch", flat=True)
        .distinct()
    )
    for branch in earlier:
        try:
            remote.close_superseded(branch=branch, by_url=by_url)
        except RemoteError as error:
            logger.warning("could not close the pull request of %s: %s", branch, error)
