"""Each user's private calendar feed of due dates, and revoking its URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from incidents.models import User, new_calendar_token
from incidents.tracking import calendar_feed


def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Show the user's private feed URL."""
    path = reverse("incidents:calendar_feed", args=[request.user.calendar_token])
    return render(
        request, "incidents/calendar.html", {"feed_url": request.build_absolute_uri(path)}
    )


@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the feed token: the old URL stops working at once."""
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("incidents:calendar")


# Calendar apps fetch the feed without a session; the secret token in the URL is the key.
@login_not_required
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404("No calendar at this address.")
    response = HttpResponse(calendar_feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="action-items.ics"'
    return response
