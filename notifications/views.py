"""The inbox, its unread count, following incidents, preferences, and unsubscribing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.models import Incident, rows_visible_to
from notifications import selectors, services
from notifications.emails import user_for_unsubscribe_token
from notifications.forms import PreferencesForm
from notifications.models import Notification

INBOX_PAGE_SIZE = 50


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """List the user's notifications, newest first, unread ones marked."""
    show_unread = request.GET.get("show") == "unread"
    rows = selectors.inbox(request.user, unread_only=show_unread)
    page = Paginator(rows, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "show_unread": show_unread,
            "unread_count": selectors.unread_count(request.user),
        },
    )


@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """Return the header's unread count; fetched by static/js/unread.js after the page."""
    response = JsonResponse({"unread": selectors.unread_count(request.user)})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's notification read and go to the place it is about."""
    notification = get_object_or_404(
        rows_visible_to(
            Notification.objects.filter(recipient=request.user), request.user, incident="incident__"
        ),
        pk=pk,
    )
    services.mark_read(user=request.user, notification_ids=[notification.pk])
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(notification.url)


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the chosen notifications (or all with `all`) read; `unread` marks one unread."""
    if request.POST.get("unread"):
        services.mark_unread(user=request.user, notification_id=_int(request.POST["unread"]))
    elif request.POST.get("all"):
        count = services.mark_read(user=request.user)
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    else:
        ids = [_int(value) for value in request.POST.getlist("id")]
        services.mark_read(user=request.user, notification_ids=ids)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "notifications:inbox"
    return redirect(back)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("No such notification.") from None


@require_POST
def follow(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Follow an incident, or stop (`stop` in the form)."""
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=incident_id)
    following = not request.POST.get("stop")
    services.follow_set(user=request.user, incident=incident, following=following)
    messages.success(
        request,
        f"You follow {incident.reference} now."
        if following
        else f"You no longer follow {incident.reference}.",
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = incident.get_absolute_url()
    return redirect(back)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Choose, per kind, whether to be told in the inbox and by e-mail."""
    form = PreferencesForm(request.POST or None, preferences=services.preferences_of(request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices())
        messages.success(request, "Your notification choices are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# The signed token authenticates the request; mail clients send the one-click POST
# (RFC 8058) without any cookie or CSRF token.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm on GET, and on POST turn every notification e-mail off for the token's user."""
    user = user_for_unsubscribe_token(token)
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        services.unsubscribe_all_email(user)
        return render(request, "notifications/unsubscribed.html", {"subscriber": user})
    return render(request, "notifications/unsubscribe.html", {"subscriber": user, "token": token})
