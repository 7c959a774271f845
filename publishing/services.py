"""Writes of publishing: connections, the first import, owing a publication, changes back."""

import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from importing.errors import PostmortemImportError
from importing.parse import parse_postmortem
from importing.parsed import ParsedPostmortem
from importing.saving import postmortem_import, refusal_text
from incidents.models import Incident, User
from postmortems.exporting.exporters import export_markdown
from postmortems.models import PostmortemSection, PublishedVersion
from postmortems.services import (
    BUILT_IN_SECTION_KEYS,
    postmortem_for,
    postmortem_reopen,
    postmortem_update,
)
from publishing.applying import AppliedFacts, apply_repository_facts
from publishing.models import (
    ImportRun,
    IncomingRevision,
    PublishDelivery,
    RepositoryConnection,
    RepositoryFile,
)
from publishing.remotes import RemoteError, remote_for

logger = logging.getLogger(__name__)


@sensitive_variables("token", "ssh_key", "new_secret")
def connection_save(
    *, connection: RepositoryConnection, token: str, ssh_key: str, actor: User
) -> tuple[RepositoryConnection, str]:
    """Save a connection (its secrets encrypted); return it and a new webhook secret, if any.

    Empty secrets keep the saved ones. The webhook secret is made with the connection and
    returned only here, to be shown once.
    """
    if token:
        connection.set_token(token)
    if ssh_key:
        connection.set_ssh_key(ssh_key)
    if connection.kind != RepositoryConnection.Kind.GIT and not connection.token_encrypted:
        raise ValidationError({"token": "Enter the token: the API answers nobody without one."})
    new_secret = ""
    if not connection.webhook_secret_encrypted:
        new_secret = secrets.token_urlsafe(32)
        connection.set_webhook_secret(new_secret)
    if connection.pk is None:
        connection.created_by = actor
    connection.full_clean()
    connection.save()
    return connection, new_secret


def webhook_secret_renew(*, connection: RepositoryConnection) -> str:
    """Replace the webhook secret; return the new one, to be shown once."""
    secret = secrets.token_urlsafe(32)
    connection.set_webhook_secret(secret)
    connection.save(update_fields=["webhook_secret_encrypted", "updated_at"])
    return secret


def record_error(connection: RepositoryConnection, error: Exception | None) -> None:
    """Show the remote's reason on the connection's page, or clear it after a success."""
    RepositoryConnection.objects.filter(pk=connection.pk).update(
        last_error=str(error)[:2000] if error else "",
        last_error_at=timezone.now() if error else None,
    )


def _parse(text: str) -> ParsedPostmortem:
    return parse_postmortem(text, default_date=timezone.localdate())


def import_folder(*, connection: RepositoryConnection, actor: User | None) -> ImportRun:
    """Import every Markdown file of the folder not imported yet; return what became of each.

    A file already linked to an incident is left as it is, so running this again saves
    nothing twice. Each file is saved in a transaction of its own: a refused one leaves
    nothing behind and does not stop the others.
    """
    run = ImportRun(connection=connection, started_by=actor)
    remote = remote_for(connection)
    try:
        run.commit, files = remote.list_files()
    except RemoteError as error:
        run.error = str(error)
        run.save()
        record_error(connection, error)
        return run
    known = {f.path: f for f in connection.files.select_related("incident")}
    known_owners: dict = {}
    for path in sorted(files):
        if path in known:
            incident = known[path].incident
            run.results.append({"path": path, "outcome": "known", "reference": incident.reference,
                                "incident_id": incident.pk})  # fmt: skip
            continue
        run.results.append(_import_file(connection, remote, path, files[path], actor, known_owners))
    run.save()
    record_error(connection, None)
    return run


def _import_file(connection, remote, path, blob, actor, known_owners) -> dict:
    result = {"path": path, "outcome": "failed", "warnings": [], "error": ""}
    try:
        parsed = _parse(remote.read(path))
    except (RemoteError, PostmortemImportError) as error:
        result["error"] = str(error)
        return result
    result["warnings"] = list(parsed.warnings)
    try:
        with transaction.atomic():
            incident = postmortem_import(
                parsed=parsed, actor=actor, known_owners=known_owners, team=connection.team
            )
            file = RepositoryFile(connection=connection, incident=incident, path=path)
            file.agree_on(blob, export_markdown(incident))
            file.save()
    except ValidationError as error:
        result["error"] = refusal_text(error)
        return result
    except IntegrityError:  # another run imported this file meanwhile; this one saved nothing
        result.update(outcome="known", error="")
        return result
    result.update(outcome="imported", reference=incident.reference, incident_id=incident.pk)
    return result


def connections_for(incident: Incident) -> list[RepositoryConnection]:
    """Return the repositories an incident's postmortem is published to: its team's, and
    any that holds its file."""
    return list(
        RepositoryConnection.objects.filter(
            Q(team_id=incident.team_id) | Q(files__incident=incident)
        )
        .distinct()
        .order_by("pk")
    )


def publication_owe(*, version: PublishedVersion, actor: User | None) -> list[PublishDelivery]:
    """Owe the published version to each repository of its incident; never a private one."""
    incident = version.postmortem.incident
    if incident.is_private:
        return []
    rows = []
    for connection in connections_for(incident):
        row, _created = PublishDelivery.objects.get_or_create(
            connection=connection,
            version=version,
            defaults={"postmortem": version.postmortem, "requested_by": actor},
        )
        rows.append(row)
    return rows


def file_name(incident: Incident) -> str:
    """Return the name of a new file for the incident: INC-12-database-outage.md."""
    return f"{incident.reference}-{slugify(incident.title)[:60]}".rstrip("-") + ".md"


def take_incoming(*, connection: RepositoryConnection) -> list[IncomingRevision]:
    """Ask the repository for changes to the files of our postmortems; owe each to its
    authors as a revision to accept or reject. Return the new revisions.

    A blob either side agreed on before is no change (a pull request not merged yet shows
    the old one); a blob already taken in is not taken twice.
    """
    remote = remote_for(connection)
    try:
        commit, files = remote.list_files()
    except RemoteError as error:
        record_error(connection, error)
        raise
    RepositoryConnection.objects.filter(pk=connection.pk).update(last_polled_at=timezone.now())
    made = []
    for file in connection.files.select_related("incident"):
        blob = files.get(file.path)
        if blob is None or blob == file.synced_blob or blob in file.known_blobs:
            continue
        if file.revisions.filter(blob=blob).exists():
            continue
        try:
            text = remote.read(file.path)
        except RemoteError as error:
            record_error(connection, error)
            raise
        revision = _revision(file, blob, commit, text)
        if revision is not None:
            made.append(revision)
    record_error(connection, None)
    return made


def _revision(file: RepositoryFile, blob: str, commit: str, text: str) -> IncomingRevision | None:
    here = export_markdown(file.incident)
    revision = IncomingRevision(
        file=file, blob=blob, commit=commit, markdown=text, here_markdown=here,
        is_conflict=here != file.synced_export,
    )  # fmt: skip
    try:
        revision.warnings = list(_parse(text).warnings)
    except PostmortemImportError as error:
        revision.error = str(error)
    try:
        with transaction.atomic():
            file.revisions.filter(status=IncomingRevision.Status.PENDING).update(
                status=IncomingRevision.Status.SUPERSEDED
            )
            revision.save()
    except IntegrityError:  # another poll took it in first
        return None
    return revision


def _bodies(parsed: ParsedPostmortem) -> dict[str, str]:
    bodies = {key: getattr(parsed, key) for key in BUILT_IN_SECTION_KEYS}
    bodies.update({section.key: section.body for section in parsed.sections})
    return bodies


@transaction.atomic
def revision_accept(*, revision: IncomingRevision, actor: User) -> AppliedFacts:
    """Make the repository's copy the postmortem's draft: its sections, summary and impact,
    and the incident's timeline, causes and action items (publishing.applying says how).

    A published postmortem is reopened first (noting the commit), so the change is
    reviewed and published again like any other. Return what changed in the incident.
    """
    revision = (
        IncomingRevision.objects.select_for_update()
        .select_related("file__incident")
        .get(pk=revision.pk)
    )
    if revision.status != IncomingRevision.Status.PENDING:
        raise ValidationError(f"This change was {revision.get_status_display().lower()} already.")
    try:
        parsed = _parse(revision.markdown)
    except PostmortemImportError as error:
        raise ValidationError(f"The file does not read as a postmortem: {error}") from None
    incident = revision.file.incident
    postmortem = postmortem_for(incident)
    if postmortem.is_published:
        postmortem_reopen(
            postmortem=postmortem,
            actor=actor,
            reason=f"A change merged in the repository ({revision.commit[:10]})",
        )
    keys = set(
        PostmortemSection.objects.filter(postmortem=postmortem).values_list("key", flat=True)
    )
    postmortem_update(
        postmortem=postmortem,
        actor=actor,
        data={
            "sections": {k: v for k, v in _bodies(parsed).items() if k in keys},
            "summary": parsed.summary,
            "impact": parsed.impact,
        },
        expected_version=postmortem.version,
    )
    applied = apply_repository_facts(incident=incident, parsed=parsed, actor=actor)
    _decide(revision, actor, IncomingRevision.Status.ACCEPTED)
    return applied


@transaction.atomic
def revision_reject(*, revision: IncomingRevision, actor: User) -> None:
    """Keep our text: the next publication writes it over the repository's change."""
    revision = (
        IncomingRevision.objects.select_for_update()
        .select_related("file__incident")
        .get(pk=revision.pk)
    )
    if revision.status != IncomingRevision.Status.PENDING:
        raise ValidationError(f"This change was {revision.get_status_display().lower()} already.")
    _decide(revision, actor, IncomingRevision.Status.REJECTED)


def _decide(revision: IncomingRevision, actor: User, status: str) -> None:
    revision.status = status
    revision.decided_by = actor
    revision.decided_at = timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at"])
    file = revision.file
    if status == IncomingRevision.Status.ACCEPTED:
        file.agree_on(revision.blob, export_markdown(file.incident))
    elif revision.blob not in file.known_blobs:
        file.known_blobs = [*file.known_blobs, revision.blob][-50:]
    file.save(update_fields=["synced_blob", "synced_export", "synced_at", "known_blobs"])
