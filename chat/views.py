"""Pages of chat: a team's connections, and the import of a channel into a timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from chat import importing, inbound
from chat.clients import client_for
from chat.errors import ChatError
from chat.forms import ChannelForm, ConnectionForm, MessagesForm
from chat.models import ChatConnection, IncidentChannel
from chat.permissions import can_import_chat, can_manage_chat, manageable_teams
from incidents.models import Incident
from incidents.permissions import is_manager

SECRETS = ("bot_token", "signing_secret", "command_token")


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can connect chat.")


def _connection_for(request: HttpRequest, connection_id: int) -> ChatConnection:
    _require_manager(request)
    connection = get_object_or_404(ChatConnection.objects.select_related("team"), pk=connection_id)
    if not can_manage_chat(request.user, connection.team):
        raise PermissionDenied("Only the team's manager can manage its chat.")
    return connection


def connection_list(request: HttpRequest) -> HttpResponse:
    """List the chat connections of the teams the user manages."""
    _require_manager(request)
    connections = ChatConnection.objects.filter(
        team__in=manageable_teams(request.user)
    ).select_related("team")
    return render(request, "chat/connection_list.html", {"connections": connections})


@sensitive_post_parameters(*SECRETS)
def connection_edit(request: HttpRequest, connection_id: int | None = None) -> HttpResponse:
    """Connect a Slack workspace or a Mattermost server, or change one; secrets stay hidden."""
    _require_manager(request)
    connection = _connection_for(request, connection_id) if connection_id else ChatConnection()
    form = ConnectionForm(
        request.POST or None, instance=connection, teams=manageable_teams(request.user)
    )
    if request.method == "POST" and form.is_valid():
        connection = form.save(commit=False)
        if connection.pk is None:
            connection.created_by = request.user
        try:
            name = _check(connection)
            connection.validate_constraints()
        except ChatError as error:
            form.add_error(None, f"The connection does not work yet: {error}")
        except ValidationError:
            form.add_error(None, "This workspace is connected already, to this team or another.")
        else:
            connection.save()
            messages.success(request, f"Connected to {name or connection.name}.")
            return redirect("chat:connections")
    return render(request, "chat/connection_form.html", {"form": form, "connection": connection})


def _check(connection: ChatConnection) -> str:
    """Ask the service who the token is; fill in Slack's workspace id from its answer."""
    client = client_for(connection)
    name = client.check()
    if connection.kind == ChatConnection.Kind.SLACK and not connection.workspace_id:
        connection.workspace_id = client.team_id
    return name


@require_POST
def connection_delete(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Forget a connection and its secrets; imported entries keep their links."""
    connection = _connection_for(request, connection_id)
    connection.delete()
    messages.success(request, f"Disconnected {connection.name}.")
    return redirect("chat:connections")


def import_messages(request: HttpRequest, incident_id: int) -> HttpResponse:
    """List a channel's messages in a range; add the ticked ones to the incident's timeline."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=incident_id)
    if not can_import_chat(request.user, incident):
        raise PermissionDenied("Only people who may edit the incident can import chat.")
    connections = importing.connections_for(incident, request.user)
    linked = IncidentChannel.objects.filter(incident=incident, connection__in=connections).first()
    data = request.POST if request.method == "POST" else request.GET
    bound = "connection" in data
    form = ChannelForm(
        data if bound else None, incident=incident, connections=connections,
        initial={"connection": linked.connection_id if linked else None},
    )  # fmt: skip
    context = {"incident": incident, "form": form, "connections": connections, "rows": None}
    connection = _chosen(form, connections, linked)
    if connection is None:
        return render(request, "chat/import.html", context)
    context["connection"] = connection
    try:
        client = client_for(connection)
        channels = client.channels()
        form.offer_channels(channels, chosen=linked.channel_id if linked else "")
        if not (bound and form.is_valid() and form.cleaned_data["channel"]):
            return render(request, "chat/import.html", context)
        channel_id = form.cleaned_data["channel"]
        offered = importing.offer(
            incident=incident, connection=connection, client=client, channel_id=channel_id,
            since=form.cleaned_data["since"], until=form.cleaned_data["until"],
        )  # fmt: skip
    except ChatError as error:
        context["chat_error"] = str(error)
        return render(request, "chat/import.html", context)
    chosen = MessagesForm(request.POST if request.method == "POST" else None, offered=offered)
    context.update(rows=chosen, channel_id=channel_id)
    if request.method == "POST" and chosen.is_valid():
        name = next((c.name for c in channels if c.id == channel_id), channel_id)
        made, skipped = importing.import_messages(
            incident=incident, actor=request.user, connection=connection, channel_id=channel_id,
            channel_name=name, chosen=[
                importing.Chosen(item.message, text, kind) for item, text, kind in chosen.picked()
            ],
        )  # fmt: skip
        note = f" ({skipped} already there)" if skipped else ""
        messages.success(request, f"Added {len(made)} entries to the timeline{note}.")
        return redirect(f"{incident.get_absolute_url()}#timeline")
    return render(request, "chat/import.html", context)


def _chosen(form: ChannelForm, connections, linked) -> ChatConnection | None:
    """Return the connection picked in the form, else the linked one's, else the first."""
    picked = form.data.get("connection") if form.is_bound else None
    if picked and str(picked).isdigit():
        found = next((c for c in connections if c.pk == int(picked)), None)
        if found is not None:
            return found
    if linked is not None:
        return linked.connection
    return next(iter(connections), None)


FORM = "application/x-www-form-urlencoded"


def _unreadable(request: HttpRequest, note: str = "") -> HttpResponse | None:
    """Return the answer to a body no chat sends as a slash command, else None."""
    if request.content_type != FORM:
        return HttpResponse(
            f"Slash commands come form-encoded ({FORM}); this URL takes nothing else.{note}",
            status=415,
        )
    try:
        # The raw body first: Slack signs it, and reading request.POST first would consume it.
        request.body  # noqa: B018
        request.POST  # noqa: B018
    except RequestDataTooBig:
        return HttpResponse("The command is larger than any chat sends.", status=413)
    except TooManyFieldsSent:
        return HttpResponse("The command has more fields than any chat sends.", status=400)
    return None


def _lacking(request: HttpRequest) -> HttpResponse | None:
    if missing := inbound.missing_fields(request.POST):
        return HttpResponse(f"The command lacks {', '.join(missing)}.", status=400)
    return None


@csrf_exempt
@login_not_required
@require_POST
def slack_commands(request: HttpRequest) -> HttpResponse:
    """Take a /postmortem command from Slack, signed with the app's signing secret."""
    # Nothing here takes Slack's Events API (url_verification and events come as JSON).
    if refused := _unreadable(request, " It is no request URL for Slack's Events API."):
        return refused
    connection = inbound.slack_connection(
        request.POST.get("team_id", ""), request.body, request.headers
    )
    if connection is None:
        return HttpResponse("The request is not signed by a connected Slack app.", status=401)
    return _lacking(request) or JsonResponse(inbound.take(connection, request.POST))


@csrf_exempt
@login_not_required
@require_POST
def mattermost_commands(request: HttpRequest) -> HttpResponse:
    """Take a /postmortem command from Mattermost, with the slash command's token."""
    if refused := _unreadable(request):
        return refused
    token = request.POST.get("token", "")
    auth = request.headers.get("Authorization", "")
    if not token and auth.startswith("Token "):
        token = auth.removeprefix("Token ").strip()
    connection = inbound.mattermost_connection(request.POST.get("team_id", ""), token)
    if connection is None:
        return HttpResponse("The command's token is not a connected Mattermost's.", status=401)
    return _lacking(request) or JsonResponse(inbound.take(connection, request.POST))
