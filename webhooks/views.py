"""Pages where team managers register webhook endpoints and watch their deliveries."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from incidents.permissions import is_manager
from webhooks import services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.permissions import can_manage_webhooks, manageable_teams

RECENT_DELIVERIES = 50


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only team managers can manage webhooks.")


def _endpoint_for(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    _require_manager(request)
    endpoint = get_object_or_404(
        WebhookEndpoint.objects.select_related("team", "created_by"), pk=endpoint_id
    )
    if not can_manage_webhooks(request.user, endpoint.team):
        raise PermissionDenied("Only the team's manager can manage its webhooks.")
    return endpoint


def endpoint_list(request: HttpRequest) -> HttpResponse:
    """List the endpoints of the teams the user manages."""
    _require_manager(request)
    endpoints = WebhookEndpoint.objects.filter(
        team__in=manageable_teams(request.user)
    ).select_related("team")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


def endpoint_create(request: HttpRequest) -> HttpResponse:
    """Register an endpoint; its page then shows the secret to verify signatures with."""
    _require_manager(request)
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_create(
            team=form.cleaned_data["team"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            actor=request.user,
        )
        messages.success(
            request, "The endpoint is registered. Verify each delivery with the secret below."
        )
        return redirect(endpoint)
    return render(request, "webhooks/endpoint_form.html", {"form": form})


def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Show an endpoint, its secret, and its recent deliveries with every try."""
    endpoint = _endpoint_for(request, endpoint_id)
    recent = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .prefetch_related(Prefetch("attempts_made", queryset=WebhookAttempt.objects.all()))
        .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
    )
    return render(
        request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "deliveries": recent}
    )


@require_POST
def endpoint_toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Enable a disabled endpoint, or disable an enabled one."""
    endpoint = _endpoint_for(request, endpoint_id)
    services.endpoint_set_active(endpoint=endpoint, active=not endpoint.is_active)
    state = "enabled" if endpoint.is_active else "disabled"
    messages.success(request, f"The endpoint is {state}.")
    return redirect(endpoint)


@require_POST
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Delete an endpoint with its deliveries."""
    endpoint = _endpoint_for(request, endpoint_id)
    endpoint.delete()
    messages.success(request, "The endpoint is deleted; nothing more is sent to it.")
    return redirect("webhooks:list")


@require_POST
def delivery_replay(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    """Send a delivery again, with the same webhook-id, as a new delivery."""
    endpoint = _endpoint_for(request, endpoint_id)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
    if not endpoint.is_active:
        messages.error(request, "Enable the endpoint before sending deliveries again.")
        return redirect(endpoint)
    services.delivery_replay(delivery=delivery, actor=request.user)
    messages.success(request, f"{delivery.event_type} {delivery.webhook_id} is sent again.")
    return redirect(endpoint)
