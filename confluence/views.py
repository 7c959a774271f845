"""Pages of Confluence: a team's connection, its recent pages, publishing a postmortem."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from confluence import services
from confluence.forms import ConnectionForm
from confluence.models import ConfluenceConnection
from incidents.models import Incident
from incidents.permissions import can_edit_incident, is_manager
from webhooks.permissions import can_manage_webhooks, manageable_teams


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can connect Confluence.")


def _connection_for(request: HttpRequest, connection_id: int) -> ConfluenceConnection:
    _require_manager(request)
    connection = get_object_or_404(
        ConfluenceConnection.objects.select_related("team"), pk=connection_id
    )
    # The same rule as webhooks and trackers: the team's data goes where its manager chose.
    if not can_manage_webhooks(request.user, connection.team):
        raise PermissionDenied("Only the team's manager can manage its Confluence connection.")
    return connection


def connection_list(request: HttpRequest) -> HttpResponse:
    """List the Confluence connections of the teams the user manages."""
    _require_manager(request)
    connections = ConfluenceConnection.objects.filter(
        team__in=manageable_teams(request.user)
    ).select_related("team")
    return render(request, "confluence/connection_list.html", {"connections": connections})


@sensitive_post_parameters("token")
@sensitive_variables("token")
def connection_edit(request: HttpRequest, connection_id: int | None = None) -> HttpResponse:
    """Connect a Confluence space, or change a connection; the saved token is never shown."""
    _require_manager(request)
    connection = (
        _connection_for(request, connection_id) if connection_id else ConfluenceConnection()
    )
    form = ConnectionForm(request.POST or None, instance=connection, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            connection = services.connection_save(
                connection=form.save(commit=False),
                token=form.cleaned_data["token"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            ok, message = services.connection_check(connection=connection)
            (messages.success if ok else messages.error)(request, message)
            return redirect(connection)
    return render(
        request, "confluence/connection_form.html", {"form": form, "connection": connection}
    )


def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Show a connection: where pages go, the last check, recent pages and their errors."""
    connection = _connection_for(request, connection_id)
    return render(
        request,
        "confluence/connection_detail.html",
        {"connection": connection, "deliveries": services.recent_deliveries(connection)},
    )


@require_POST
def connection_test(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Ask Confluence whether the token, space and parent page work; say plainly what is wrong."""
    connection = _connection_for(request, connection_id)
    ok, message = services.connection_check(connection=connection)
    (messages.success if ok else messages.error)(request, message)
    return redirect(connection)


@require_POST
def connection_delete(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = _connection_for(request, connection_id)
    connection.delete()
    messages.success(request, "Confluence is disconnected; pages made there stay there.")
    return redirect("confluence:list")


@require_POST
def publish(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Publish (again) the incident's published postmortem to its team's Confluence space."""
    incident = get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("postmortem", "team"),
        pk=incident_id,
    )
    if not can_edit_incident(request.user, incident):
        raise PermissionDenied("Only the incident's authors or a manager may publish it.")
    try:
        services.publish_request(incident=incident, actor=request.user)
    except services.NotPublishable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Publishing to Confluence; the link appears here once it is done."
        )
    return redirect("postmortems:document", incident.pk)
