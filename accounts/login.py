"""The login page: password (with a second step for two-factor accounts) and SSO."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts import two_factor
from accounts.forms import TokenForm
from accounts.oidc import sso_enabled
from incidents.models import User

PENDING_KEY = "accounts.pending_two_factor"
# The password step is good for this long; then the person starts again.
PENDING_SECONDS = 300


def _break_glass(request: HttpRequest) -> bool:
    return request.GET.get("breakglass") == "1" or request.POST.get("breakglass") == "1"


def password_form_shown(request: HttpRequest) -> bool:
    """Return True when the login page shows (and accepts) the password form."""
    return settings.PASSWORD_LOGIN or _break_glass(request)


@method_decorator(login_not_required, name="dispatch")
class SignInView(LoginView):
    """Log in with a password, asking two-factor accounts for a code before signing in."""

    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_form_shown(request):
            context = self.get_context_data(refused=True)
            return self.render_to_response(context, status=403)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        # Not signed in yet: remember who passed the password step, for a few minutes.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("accounts:login_verify")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=sso_enabled(),
            password_form_shown=password_form_shown(self.request),
            break_glass=_break_glass(self.request),
        )
        return context


def _pending_user(request: HttpRequest) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code from the authenticator app, or a recovery code, then sign in."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, "Your sign-in took too long or was not started. Log in again.")
        return redirect("login")
    user, pending = found
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if device.persistent_id.startswith("otp_static"):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones in Settings.",
                )
            next_url = pending["next"]
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse(settings.LOGIN_REDIRECT_URL)
            return HttpResponseRedirect(next_url)
        form.add_error(
            "token",
            "That code is not right. Type the 6 digits your app shows now, or an unused "
            "recovery code. After several wrong codes you must wait before trying again.",
        )
    return render(request, "registration/login_verify.html", {"form": form})
