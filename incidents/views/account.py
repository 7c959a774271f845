"""The user's own settings, and unsubscribing from reminders without logging in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.zones import zone_choices
from incidents.emails import user_for_unsubscribe_token
from incidents.forms import AccountSettingsForm
from incidents.models import User
from incidents.permissions import is_manager


def account_settings(request: HttpRequest) -> HttpResponse:
    """Show and save the user's email, display time zone and reminder cadence."""
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("incidents:settings")
    return render(
        request,
        "incidents/account_settings.html",
        {
            "form": form,
            "zone_choices": zone_choices(first=request.user.time_zone),
            "is_manager": is_manager(request.user),
        },
    )


# The signed token authenticates the request, and mail clients send the one-click POST
# (RFC 8058) without any cookie or CSRF token.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm on GET, and on POST turn reminders off for the user the token names."""
    user = user_for_unsubscribe_token(token)
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        user.reminder_frequency = User.ReminderFrequency.NEVER
        user.save(update_fields=["reminder_frequency"])
        return render(request, "incidents/unsubscribed.html", {"subscriber": user})
    return render(request, "incidents/unsubscribe.html", {"subscriber": user, "token": token})
