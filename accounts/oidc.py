"""Single sign-on with OpenID Connect through mozilla-django-oidc.

On when OIDC_RP_CLIENT_ID and an issuer (or explicit endpoints) are set. The provider's
endpoints are discovered from OIDC_ISSUER_URL when a sign-in starts, never at import. The
library checks state, nonce and PKCE; it does not check the ID token's audience or issuer,
so `SSOBackend` does.
"""

import functools
import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts import services
from accounts.middleware import SSO_SESSION_KEY

log = logging.getLogger(__name__)

_EXPLICIT = {
    "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_OP_USER_ENDPOINT",
    "jwks_uri": "OIDC_OP_JWKS_ENDPOINT",
}


class SSORefused(SuspiciousOperation):
    """A sign-in the provider answered, refused for a reason the person should read."""


def sso_enabled() -> bool:
    """Return True when single sign-on is configured."""
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.OIDC_ISSUER_URL or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


@functools.lru_cache(maxsize=4)
def _discover(issuer: str) -> dict[str, Any]:
    # Cached per issuer for the life of the process; a failure is not cached.
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    return response.json()


def endpoint(name: str) -> str:
    """Return a provider endpoint: the explicit setting, or the one the issuer publishes."""
    explicit = getattr(settings, _EXPLICIT[name])
    if explicit:
        return explicit
    return _discover(settings.OIDC_ISSUER_URL)[name]


def expected_issuer() -> str | None:
    if not settings.OIDC_ISSUER_URL:
        return None
    return _discover(settings.OIDC_ISSUER_URL).get("issuer") or settings.OIDC_ISSUER_URL


class SSOBackend(OIDCAuthenticationBackend):
    """Make or match a user by verified e-mail and keep their teams in step with groups."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every password login too: look nothing up here.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: endpoint("token_endpoint"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: endpoint("userinfo_endpoint"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: endpoint("jwks_uri"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any):
        # Only the callback view passes exactly these; a password login never gets here.
        if request is None or not sso_enabled() or set(kwargs) != {"nonce", "code_verifier"}:
            return None
        return super().authenticate(request, **kwargs)

    def retrieve_matching_jwk(self, token: bytes) -> jwt.PyJWK:
        """Return the provider key that signed the token: by its key id, or the only key."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("alg", header.get("alg")) == header.get("alg")
            and key.get("use", "sig") == "sig"
        ]
        if "kid" in header:
            keys = [key for key in keys if key.get("kid") == header["kid"]]
        # Some providers (and the test provider) publish one key and name no key id.
        if len(keys) != 1:
            raise SSORefused(
                "The identity provider's token is signed with a key it does not publish. "
                "Sign-in refused."
            )
        return jwt.PyJWK(keys[0])

    def get_payload_data(self, token: bytes, key: Any) -> dict[str, Any]:
        payload = super().get_payload_data(token, key)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        client_id = settings.OIDC_RP_CLIENT_ID
        if client_id not in audiences or (len(audiences) > 1 and payload.get("azp") != client_id):
            raise SSORefused(
                "The identity provider's token was issued for another application "
                f"(audience {', '.join(map(str, audiences)) or 'missing'}), not for "
                "Postmortems. Sign-in refused."
            )
        issuer = expected_issuer()
        if issuer is not None and payload.get("iss") != issuer:
            raise SSORefused("The identity provider's token names another issuer. Sign-in refused.")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if "email_verified" in claims:
            verified = claims["email_verified"] in (True, "true")
        else:
            # Some providers (Azure AD / Entra ID, several SAML bridges) never send the claim
            # because only administrators set addresses there; trusting them is the
            # deployer's explicit choice. A provider that says false is refused regardless.
            verified = settings.OIDC_TRUST_UNVERIFIED_EMAIL
        if not claims.get("email") or not verified:
            self.request.sso_refusal = (
                "Your identity provider did not confirm your email address, so we cannot "
                "match it to an account. Ask your administrator to verify it there."
            )
            return False
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]):
        users = self.UserModel.objects.filter(email__iexact=claims["email"], is_active=True)
        if len(users) > 1:
            self.request.sso_refusal = (
                "More than one account here has your email address, so we cannot tell which "
                "is yours. Ask an administrator to remove the address from the others."
            )
        return users

    def create_user(self, claims: dict[str, Any]):
        user = services.create_sso_user(claims=claims)
        services.sync_sso_teams(user=user, groups=self._groups(claims))
        return user

    def update_user(self, user, claims: dict[str, Any]):
        services.sync_sso_teams(user=user, groups=self._groups(claims))
        return user

    def _groups(self, claims: dict[str, Any]) -> list[str]:
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        return [groups] if isinstance(groups, str) else [str(group) for group in groups]


REPLAYED = (
    "This sign-in answer was already used or does not belong to this browser. "
    "Start again with Sign in with SSO."
)


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


@method_decorator(login_not_required, name="dispatch")
class SSOLoginView(OIDCAuthenticationRequestView):
    """Send the browser to the identity provider, with state, nonce and a PKCE challenge."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)

    OIDC_OP_AUTH_ENDPOINT = property(lambda self: endpoint("authorization_endpoint"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except requests.RequestException:
            log.exception("OpenID Connect discovery failed")
            return _refuse(request, "The identity provider did not answer. Try again in a minute.")


@method_decorator(login_not_required, name="dispatch")
class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Finish the sign-in; refuse a replayed or foreign answer with a message, not a 500."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        if "state" in request.GET and "oidc_states" not in request.session:
            return _refuse(request, REPLAYED)
        try:
            return super().get(request)
        except SSORefused as exc:
            log.warning("SSO sign-in refused: %s", exc)
            return _refuse(request, str(exc))
        except SuspiciousOperation as exc:
            log.warning("SSO sign-in refused: %s", exc)
            if "state" in str(exc):
                return _refuse(request, REPLAYED)
            return _refuse(
                request, "The identity provider's answer could not be verified. Sign-in refused."
            )
        except jwt.PyJWTError as exc:
            log.warning("SSO sign-in refused: %s", exc)
            return _refuse(
                request,
                f"The identity provider's token could not be verified ({exc}). Sign-in refused.",
            )
        except requests.RequestException:
            log.exception("OpenID Connect token exchange failed")
            return _refuse(request, "The identity provider did not answer. Try again in a minute.")

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_refusal", None)
        if reason is None and self.request.GET.get("error"):
            reason = f"The identity provider refused the sign-in ({self.request.GET['error']})."
        return _refuse(self.request, reason or "Sign-in with SSO did not complete. Try again.")

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[SSO_SESSION_KEY] = True
        return response
