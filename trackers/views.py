"""Pages of trackers: a team's connection, an item's issue, the trackers' webhooks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from incidents.models import ActionItem
from incidents.permissions import can_edit_action_item, is_manager
from trackers import inbound, services
from trackers.forms import ConnectionForm, LinkForm, TrackerAccountForm
from trackers.models import TrackerAccount, TrackerConnection
from trackers.permissions import can_manage_tracker, manageable_teams


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can connect trackers.")


def _connection_for(request: HttpRequest, connection_id: int) -> TrackerConnection:
    _require_manager(request)
    connection = get_object_or_404(
        TrackerConnection.objects.select_related("team"), pk=connection_id
    )
    if not can_manage_tracker(request.user, connection.team):
        raise PermissionDenied("Only the team's manager can manage its tracker.")
    return connection


def _hook_url(request: HttpRequest, connection: TrackerConnection) -> str:
    return request.build_absolute_uri(
        reverse(f"trackers:{connection.kind}_hook", args=[connection.pk])
    )


def connection_list(request: HttpRequest) -> HttpResponse:
    """List the tracker connections of the teams the user manages."""
    _require_manager(request)
    teams = manageable_teams(request.user)
    connections = TrackerConnection.objects.filter(team__in=teams).select_related("team")
    return render(request, "trackers/connection_list.html", {"connections": connections})


@sensitive_post_parameters("token")
@sensitive_variables("token")
def connection_edit(request: HttpRequest, connection_id: int | None = None) -> HttpResponse:
    """Connect a tracker, or change a connection; the saved token is never shown."""
    connection = _connection_for(request, connection_id) if connection_id else TrackerConnection()
    _require_manager(request)
    form = ConnectionForm(request.POST or None, instance=connection, user=request.user)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            connection, new_secret = services.connection_save(
                connection=form.save(commit=False), token=token, actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            ok, message = services.connection_check(connection=connection)
            (messages.success if ok else messages.error)(request, message)
            if new_secret:
                return _detail(request, connection, new_secret=new_secret)
            return redirect(connection)
    return render(
        request, "trackers/connection_form.html", {"form": form, "connection": connection}
    )


def _detail(request: HttpRequest, connection: TrackerConnection, *, new_secret: str = ""):
    return render(
        request,
        "trackers/connection_detail.html",
        {
            "connection": connection,
            "hook_url": _hook_url(request, connection),
            "new_secret": new_secret,
            "gone_issues": services.gone_issues(connection, user=request.user),
            "renames": connection.repository_renames.all()[:5],
        },
    )


def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Show a connection: where it points, its webhook URL, the last check."""
    return _detail(request, _connection_for(request, connection_id))


@require_POST
def connection_test(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Ask the tracker whether the token and the project work; say plainly what is wrong."""
    connection = _connection_for(request, connection_id)
    ok, message = services.connection_check(connection=connection)
    (messages.success if ok else messages.error)(request, message)
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
    services.connection_delete(connection=connection)
    messages.success(request, "The tracker is disconnected; linked issues stay linked.")
    return redirect("trackers:list")


def _item_for(request: HttpRequest, item_id: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related(
            "incident", "incident__team", "owner", "tracker_issue"
        ),
        pk=item_id,
    )


def _require_edit(request: HttpRequest, item: ActionItem) -> None:
    if not can_edit_action_item(request.user, item):
        raise PermissionDenied(
            "Only the owner, the incident's authors or a manager may change this item."
        )


def item_issue(request: HttpRequest, item_id: int) -> HttpResponse:
    """Show the item's tracker issue, or offer to create or link one."""
    item = _item_for(request, item_id)
    connection = services.connection_for(item)
    form = LinkForm(request.POST or None)
    if connection is not None:
        form.fields["reference"].help_text = (
            f"e.g. https://github.com/{connection.github_repository}/issues/12, or #12."
            if connection.kind == TrackerConnection.Kind.GITHUB
            else f"e.g. {connection.jira_site_url.rstrip('/')}/browse/"
            f"{connection.jira_project_key}-12, or {connection.jira_project_key}-12."
        )
    if request.method == "POST":
        _require_edit(request, item)
        if form.is_valid():
            try:
                services.issue_link(
                    item=item, reference=form.cleaned_data["reference"], actor=request.user
                )
            except ValidationError as error:
                form.add_error("reference", error)
            else:
                messages.success(request, f"{item.title} is linked to its issue.")
                return redirect("trackers:item", item.pk)
    return render(
        request,
        "trackers/item_issue.html",
        {
            "item": item,
            "issue": getattr(item, "tracker_issue", None),
            "connection": connection,
            "form": form,
            "can_edit": can_edit_action_item(request.user, item),
        },
    )


@require_POST
def item_create_issue(request: HttpRequest, item_id: int) -> HttpResponse:
    """Owe the item an issue in its team's tracker (again, after a failure)."""
    item = _item_for(request, item_id)
    _require_edit(request, item)
    try:
        services.issue_request(item=item, actor=request.user)
    except services.NoTracker as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Creating the issue of {item.title}.")
    return redirect("trackers:item", item.pk)


@require_POST
def items_create_issues(request: HttpRequest) -> HttpResponse:
    """Owe an issue to each item selected on the board."""
    ids = [int(pk) for pk in request.POST.getlist("items") if pk.isdigit()]
    if not ids:
        messages.error(request, "Select at least one action item.")
    else:
        items = ActionItem.objects.visible_to(request.user).filter(pk__in=ids)
        items = items.select_related("incident", "incident__team", "tracker_issue")
        result = services.issues_request_bulk(items=items, actor=request.user)
        messages.success(request, result.summary())
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = reverse("incidents:action_items")
    return redirect(target)


def account(request: HttpRequest) -> HttpResponse:
    """Let a person say who they are on GitHub and Jira, so issues get assigned to them."""
    instance = TrackerAccount.objects.filter(user=request.user).first() or TrackerAccount(
        user=request.user
    )
    form = TrackerAccountForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved: issues of your action items are assigned to you.")
        return redirect("trackers:account")
    return render(request, "trackers/account.html", {"form": form})


def _hook(
    request: HttpRequest, connection_id: int, *, kind: str, header: str, event: str, delivery: str
):
    connection = TrackerConnection.objects.filter(pk=connection_id, kind=kind).first()
    body = request.body
    if connection is None or not inbound.signature_ok(
        connection, body, request.headers.get(header, "")
    ):
        return HttpResponse(status=401)
    inbound.receive(
        connection,
        event=request.headers.get(event, "") if event else "",
        body=body,
        delivery_id=request.headers.get(delivery, ""),
    )
    return HttpResponse(status=204)


@csrf_exempt
@login_not_required
@require_POST
def github_hook(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Take in a GitHub `issues` event signed with the connection's webhook secret."""
    return _hook(request, connection_id, kind="github", header="X-Hub-Signature-256",
                 event="X-GitHub-Event", delivery="X-GitHub-Delivery")  # fmt: skip


@csrf_exempt
@login_not_required
@require_POST
def jira_hook(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Take in a Jira issue event signed with the connection's webhook secret."""
    # Jira names the event in the body (no header); its header identifies the delivery.
    return _hook(request, connection_id, kind="jira", header="X-Hub-Signature",
                 event="", delivery="X-Atlassian-Webhook-Identifier")  # fmt: skip
