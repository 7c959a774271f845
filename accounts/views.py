"""Sign-in pages: unlocking a locked account, the managers' lockout list."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import ClearLockoutForm, UnlockRequestForm
from accounts.lockout import current_lockouts
from incidents.permissions import is_manager


@login_not_required
@require_http_methods(["GET", "POST"])
def unlock_request(request: HttpRequest) -> HttpResponse:
    """Ask for an unlock link by e-mail; the answer is the same whether the account exists."""
    form = UnlockRequestForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        services.request_unlock_link(identifier=form.cleaned_data["identifier"])
        sent = True
    return render(request, "accounts/unlock_request.html", {"form": form, "sent": sent})


# Mail scanners open links: GET only shows a button, the POST unlocks.
@login_not_required
@require_http_methods(["GET", "POST"])
def unlock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Unlock the account the signed link names."""
    user = services.user_for_unlock_token(token)
    if user is None:
        raise Http404("This unlock link is not valid or has expired: ask for a new one.")
    if request.method == "POST":
        services.unlock_account(user=user)
        messages.success(request, "Your sign-in is unlocked. You can log in again.")
        return redirect("login")
    return render(request, "accounts/unlock_confirm.html", {"account": user})


def lockouts(request: HttpRequest) -> HttpResponse:
    """List the current lockouts for managers."""
    if not is_manager(request.user):
        raise PermissionDenied
    context = {
        "lockouts": current_lockouts(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "ip_failure_limit": settings.AXES_IP_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/lockouts.html", context)


@require_POST
def lockout_clear(request: HttpRequest) -> HttpResponse:
    """Clear one lockout (a user name from an address, or a whole address)."""
    if not is_manager(request.user):
        raise PermissionDenied
    form = ClearLockoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That lockout could not be read; reload the page and try again.")
        return redirect("accounts:lockouts")
    username = form.cleaned_data["username"] or None
    services.clear_lockout(
        actor=request.user, ip_address=form.cleaned_data["ip_address"], username=username
    )
    who = (
        f"{username} from {form.cleaned_data['ip_address']}"
        if username
        else (f"address {form.cleaned_data['ip_address']}")
    )
    messages.success(request, f"Lockout of {who} cleared.")
    return redirect("accounts:lockouts")
