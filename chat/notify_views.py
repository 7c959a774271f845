"""Pages of chat notifications: where one is told, finding oneself in chat, a team's channel."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chat import notify
from chat.clients import client_for
from chat.errors import ChatError
from chat.models import ChatDelivery, ChatUserLink
from chat.notify_forms import NotifyChoiceForm, TeamChannelForm
from chat.views import _connection_for

DELIVERIES_SHOWN = 50


@require_http_methods(["GET", "POST"])
def notify_settings(request: HttpRequest) -> HttpResponse:
    """Choose e-mail, a chat DM or both for reminders and for notifications."""
    links = list(ChatUserLink.objects.filter(user=request.user).select_related("connection__team"))
    usable = notify.dm_links([request.user.pk]).get(request.user.pk)
    form = NotifyChoiceForm(
        request.POST or None, choice=notify.choice_of(request.user), linked=usable is not None
    )
    if request.method == "POST" and form.is_valid():
        notify.choice_save(user=request.user, **form.cleaned_data)
        messages.success(request, "Where you are told is saved.")
        return redirect("chat:notify_settings")
    context = {
        "form": form, "links": links, "usable": usable,
        "connections": notify.team_connections(request.user),
    }  # fmt: skip
    return render(request, "chat/notify_settings.html", context)


@require_POST
def notify_link(request: HttpRequest) -> HttpResponse:
    """Find the user, by their e-mail, in the chats of their teams."""
    for line in notify.link_by_email(request.user):
        messages.info(request, line)
    return redirect("chat:notify_settings")


@require_http_methods(["GET", "POST"])
def notify_channel(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Set the team's channel for news and overdue items; list the messages owed and sent."""
    connection = _connection_for(request, connection_id)
    chat_error = ""
    try:
        channels = client_for(connection).channels()
    except ChatError as error:
        channels, chat_error = None, str(error)
    form = TeamChannelForm(request.POST or None, instance=connection, channels=channels)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The team channel is saved.")
        return redirect("chat:notify_channel", connection.pk)
    rows = (
        ChatDelivery.objects.filter(connection=connection)
        .select_related("recipient")
        .order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]
    )
    context = {"connection": connection, "form": form, "chat_error": chat_error, "rows": rows}
    return render(request, "chat/notify_channel.html", context)
