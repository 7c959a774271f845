"""Send managers and superusers without two-factor sign-in to set it up, when required."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts import two_factor
from incidents.permissions import is_manager

SSO_SESSION_KEY = "accounts.signed_in_with_sso"
# What a person who must set up two-factor sign-in may still open.
ALLOWED_URL_NAMES = {
    "accounts:two_factor",
    "accounts:two_factor_start",
    "accounts:two_factor_confirm",
    "logout",
    "health",
    "favicon",
}


def two_factor_required(request: HttpRequest) -> bool:
    """Return True when this person must set up two-factor sign-in before going on.

    People who signed in with SSO are left to the identity provider's own second factor.
    """
    user = request.user
    return (
        settings.OTP_REQUIRED_FOR_MANAGERS
        and user.is_authenticated
        and not request.session.get(SSO_SESSION_KEY)
        and is_manager(user)
        and not two_factor.has_two_factor(user)
    )


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.OTP_REQUIRED_FOR_MANAGERS or not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_URL_NAMES:
            return None
        if request.path.startswith(f"/{settings.STATIC_URL.strip('/')}/"):
            return None
        if two_factor_required(request):
            return redirect("accounts:two_factor")
        return None
