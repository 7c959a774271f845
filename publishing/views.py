"""Pages of publishing: a team's repository, its first import, changes merged there."""

import difflib
import hashlib
import hmac

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from incidents.models import Incident
from incidents.permissions import can_edit_incident, is_manager
from postmortems.exporting.exporters import export_markdown
from publishing import services, tasks
from publishing.forms import ConnectionForm
from publishing.models import IncomingRevision, RepositoryConnection
from publishing.remotes import RemoteError
from webhooks.permissions import can_manage_webhooks, manageable_teams


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can connect repositories.")


def _connection_for(request: HttpRequest, connection_id: int) -> RepositoryConnection:
    _require_manager(request)
    connection = get_object_or_404(
        RepositoryConnection.objects.select_related("team"), pk=connection_id
    )
    # The same rule as webhooks and trackers: the team's text goes where its manager chose.
    if not can_manage_webhooks(request.user, connection.team):
        raise PermissionDenied("Only the team's manager can manage its repository.")
    return connection


def connection_list(request: HttpRequest) -> HttpResponse:
    """List the repositories of the teams the user manages."""
    _require_manager(request)
    connections = RepositoryConnection.objects.filter(
        team__in=manageable_teams(request.user)
    ).select_related("team")
    return render(request, "publishing/connection_list.html", {"connections": connections})


@sensitive_post_parameters("token", "ssh_key")
@sensitive_variables("token", "ssh_key")
def connection_edit(request: HttpRequest, connection_id: int | None = None) -> HttpResponse:
    """Connect a repository, or change a connection; saved secrets are never shown."""
    _require_manager(request)
    connection = (
        _connection_for(request, connection_id) if connection_id else RepositoryConnection()
    )
    form = ConnectionForm(request.POST or None, instance=connection, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            connection, new_secret = services.connection_save(
                connection=form.save(commit=False),
                token=form.cleaned_data["token"],
                ssh_key=form.cleaned_data["ssh_key"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if new_secret:
                messages.success(request, "Connected. Import the folder's postmortems below.")
                return _detail(request, connection, new_secret=new_secret)
            return redirect(connection)
    return render(
        request, "publishing/connection_form.html", {"form": form, "connection": connection}
    )


def _detail(request: HttpRequest, connection: RepositoryConnection, *, new_secret: str = ""):
    visible = Incident.objects.visible_to(request.user)
    return render(
        request,
        "publishing/connection_detail.html",
        {
            "connection": connection,
            "hook_url": request.build_absolute_uri(
                reverse("publishing:hook", args=[connection.pk])
            ),
            "new_secret": new_secret,
            "run": connection.import_runs.select_related("started_by").first(),
            "files": connection.files.filter(incident__in=visible).select_related("incident"),
            "pending": IncomingRevision.objects.filter(
                file__connection=connection,
                file__incident__in=visible,
                status=IncomingRevision.Status.PENDING,
            ).select_related("file__incident"),
            "deliveries": connection.deliveries.filter(
                postmortem__incident__in=visible
            ).select_related("postmortem__incident", "version")[:10],
        },
    )


def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Show a connection: where it points, the last error, the import, what is owed."""
    return _detail(request, _connection_for(request, connection_id))


@require_POST
def connection_import(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Import the folder's postmortems not imported yet; show what became of each file."""
    connection = _connection_for(request, connection_id)
    run = services.import_folder(connection=connection, actor=request.user)
    if run.error:
        messages.error(request, f"The repository could not be read: {run.error}")
    else:
        messages.success(
            request,
            f"{run.count('imported')} imported, {run.count('known')} imported before, "
            f"{run.count('failed')} not imported.",
        )
    return redirect(connection)


@require_POST
def connection_poll(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Look for changes merged in the repository now, rather than at the next poll."""
    connection = _connection_for(request, connection_id)
    try:
        made = services.take_incoming(connection=connection)
    except RemoteError as error:
        messages.error(request, f"The repository could not be read: {error}")
    else:
        messages.success(request, f"{len(made)} new change{'s' if len(made) != 1 else ''}.")
    return redirect(connection)


@require_POST
def connection_new_secret(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Make a new webhook secret and show it once."""
    connection = _connection_for(request, connection_id)
    secret = services.webhook_secret_renew(connection=connection)
    messages.warning(request, "The old webhook secret no longer works: paste the new one.")
    return _detail(request, connection, new_secret=secret)


@require_POST
def connection_delete(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection_for(request, connection_id)
    connection.delete()
    messages.success(request, "The repository is disconnected; its files stay where they are.")
    return redirect("publishing:list")


def _signed(request: HttpRequest, secret: str) -> bool:
    """Return True for a push signed as GitHub (and Gitea) sign, or with GitLab's token."""
    signature = request.headers.get("X-Hub-Signature-256", "")
    if signature:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.encode(), expected.encode())
    token = request.headers.get("X-Gitlab-Token", "")
    return bool(token) and hmac.compare_digest(token.encode(), secret.encode())


@csrf_exempt
@login_not_required
@require_POST
def push_hook(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Take in a push to the repository: look for changes to our postmortems' files."""
    connection = RepositoryConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return HttpResponse("No such repository connection.", status=404)
    if not _signed(request, connection.webhook_secret):
        return HttpResponse(
            "The signature (X-Hub-Signature-256) or token (X-Gitlab-Token) does not match "
            "the connection's webhook secret.",
            status=403,
        )
    if request.headers.get("X-GitHub-Event") == "ping":
        return HttpResponse("pong")
    transaction.on_commit(
        lambda: tasks.take_incoming.delay(connection_id=connection.pk), robust=True
    )
    return HttpResponse("Looking for changes.", status=202)


def _revision_for(request: HttpRequest, revision_id: int) -> IncomingRevision:
    return get_object_or_404(
        IncomingRevision.objects.select_related("file__connection", "file__incident").filter(
            file__incident__in=Incident.objects.visible_to(request.user)
        ),
        pk=revision_id,
    )


def side_by_side(here: str, there: str) -> SafeString:
    """Return a table of both texts side by side, changed lines marked (difflib escapes)."""
    table = difflib.HtmlDiff().make_table(
        here.splitlines(), there.splitlines(), "Here", "In the repository", context=False
    )
    return mark_safe(table)


def revision_detail(request: HttpRequest, revision_id: int) -> HttpResponse:
    """Show a change merged in the repository beside the postmortem as it is here."""
    revision = _revision_for(request, revision_id)
    incident = revision.file.incident
    here = (
        revision.here_markdown
        if revision.status != IncomingRevision.Status.PENDING
        else export_markdown(incident)
    )
    return render(
        request,
        "publishing/revision.html",
        {
            "revision": revision,
            "incident": incident,
            "table": side_by_side(here, revision.markdown),
            "can_decide": can_edit_incident(request.user, incident)
            and revision.status == IncomingRevision.Status.PENDING,
        },
    )


def _decide(request: HttpRequest, revision_id: int, accept: bool) -> HttpResponse:
    revision = _revision_for(request, revision_id)
    incident = revision.file.incident
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied("Only the postmortem's authors and managers decide on changes.")
    try:
        if accept:
            applied = services.revision_accept(revision=revision, actor=request.user)
        else:
            services.revision_reject(revision=revision, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(revision)
    if accept:
        messages.success(
            request,
            f"The repository's text is now the draft: review and publish it. {applied.summary()}",
        )
    else:
        messages.success(request, "Kept as it is here: the next publication writes it back.")
    return redirect("postmortems:document", incident_id=incident.pk)


@require_POST
def revision_accept(request: HttpRequest, revision_id: int) -> HttpResponse:
    return _decide(request, revision_id, accept=True)


@require_POST
def revision_reject(request: HttpRequest, revision_id: int) -> HttpResponse:
    return _decide(request, revision_id, accept=False)
