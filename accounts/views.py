"""Sign-in pages: unlocking a locked account, lockouts for managers, two-factor settings."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import services, tokens, two_factor
from accounts.forms import ClearLockoutForm, TokenForm, UnlockRequestForm
from accounts.lockout import current_lockouts
from accounts.middleware import two_factor_required
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
    user = tokens.user_for_unlock_token(token)
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


def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """Show whether two-factor sign-in is on, and the QR code while setting it up."""
    user = request.user
    pending = two_factor.pending_enrolment(user)
    context = {
        "app": two_factor.confirmed_app(user),
        "pending": pending,
        "codes_left": two_factor.recovery_codes_left(user),
        "form": TokenForm(),
        "required": two_factor_required(request),
    }
    if pending is not None:
        context.update(
            qr_code=two_factor.qr_code_data_uri(pending), secret=two_factor.secret_of(pending)
        )
    return render(request, "accounts/two_factor.html", context)


@require_POST
def two_factor_start(request: HttpRequest) -> HttpResponse:
    """Make a new secret for the authenticator app to scan."""
    two_factor.start_enrolment(user=request.user)
    return redirect("accounts:two_factor")


@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on with a code from the app; show the recovery codes once."""
    form = TokenForm(request.POST)
    result = None
    if form.is_valid():
        result = two_factor.confirm_enrolment(user=request.user, token=form.cleaned_data["token"])
    if result is None:
        messages.error(
            request,
            "That code did not match. Check that your phone's clock is right and type the "
            "code the app shows now.",
        )
        return redirect("accounts:two_factor")
    device, codes = result
    # This session has just proved the device; it counts as a two-factor sign-in.
    otp_login(request, device)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make new recovery codes (the old ones stop working), after a code proves the person."""
    form = TokenForm(request.POST)
    if (
        not form.is_valid()
        or two_factor.verify(user=request.user, token=form.cleaned_data["token"]) is None
    ):
        messages.error(request, "That code is not right; your recovery codes are unchanged.")
        return redirect("accounts:two_factor")
    codes = two_factor.new_recovery_codes(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off, after a code (or a recovery code) proves the person."""
    form = TokenForm(request.POST)
    if (
        not form.is_valid()
        or two_factor.verify(user=request.user, token=form.cleaned_data["token"]) is None
    ):
        messages.error(request, "That code is not right; two-factor sign-in is still on.")
        return redirect("accounts:two_factor")
    two_factor.disable(user=request.user)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:two_factor")
