import base64
import hashlib
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts import oidc
from incidents.models import Team, User
from tests.accounts.oidc_provider import authorize, query, running_provider, set_user

pytestmark = pytest.mark.django_db

CLIENT_ID = "postmortems"


@pytest.fixture(scope="module")
def issuer():
    with running_provider() as url:
        yield url


@pytest.fixture
def sso(issuer, settings):
    settings.OIDC_ISSUER_URL = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "client-secret"
    settings.OIDC_GROUP_TEAMS = {"sre": "SRE", "payments": "Payments"}
    settings.OIDC_MANAGER_GROUP = "leads"
    return issuer


def _start(client, next_url: str = "") -> str:
    """Open "Sign in with SSO"; return the provider's authorization URL."""
    path = reverse("accounts:oidc_login") + (f"?next={next_url}" if next_url else "")
    response = client.get(path)
    assert response.status_code == 302
    return response.url


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == reverse("accounts:oidc_callback")
    return f"{parts.path}?{parts.query}"


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_login_page_offers_sso_only_when_configured(client, sso, settings):
    assert "Sign in with SSO" in client.get(reverse("login")).content.decode()
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Sign in with SSO" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("accounts:oidc_login")).status_code == 404


def test_the_full_code_flow_creates_a_user_by_verified_email_with_pkce(client, sso, monkeypatch):
    set_user(
        sso,
        "sub-ada",
        email="ada@example.com",
        email_verified=True,
        preferred_username="ada",
        given_name="Ada",
        groups=["sre", "leads", "unmapped"],
    )
    authorize_url = _start(client, next_url="/incidents/dashboard/")
    params = query(authorize_url)
    assert authorize_url.startswith(f"{sso}/oauth2/authorize")
    assert params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256"
    assert params["state"] and params["nonce"] and params["code_challenge"]
    sent_to_token_endpoint = []
    original_get_token = oidc.SSOBackend.get_token

    def recording_get_token(backend, payload):
        sent_to_token_endpoint.append(dict(payload))
        return original_get_token(backend, payload)

    monkeypatch.setattr(oidc.SSOBackend, "get_token", recording_get_token)

    response = client.get(_callback_path(authorize(authorize_url, "sub-ada")))

    assert response.status_code == 302
    assert response.url == "/incidents/dashboard/"
    # The verifier sent with the code is the one the challenge was made from.
    [sent] = sent_to_token_endpoint
    digest = hashlib.sha256(sent["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]
    ada = User.objects.get(email="ada@example.com")
    assert ada.username == "ada" and ada.first_name == "Ada"
    assert not ada.has_usable_password()
    sre = Team.objects.get(name="SRE")
    assert ada in sre.members.all() and sre.manager == ada
    assert not Team.objects.get_or_create(name="Payments")[0].members.filter(pk=ada.pk).exists()
    assert client.get(reverse("incidents:list")).status_code == 200


def test_an_existing_user_is_matched_by_verified_email_and_groups_update(
    client, sso, user_factory, team_factory
):
    bea = user_factory(username="bea", email="Bea@Example.com")
    payments = team_factory(name="Payments", members=[bea], manager=bea)
    set_user(sso, "sub-bea", email="bea@example.com", email_verified=True, groups=["sre"])
    response = client.get(_callback_path(authorize(_start(client), "sub-bea")))
    assert response.status_code == 302
    assert client.get(reverse("incidents:list")).context["user"] == bea
    payments.refresh_from_db()
    assert bea not in payments.members.all() and payments.manager is None
    assert bea in Team.objects.get(name="SRE").members.all()


def test_an_unverified_email_is_refused_with_a_clear_message(client, sso):
    set_user(sso, "sub-eve", email="eve@example.com", email_verified=False)
    response = client.get(_callback_path(authorize(_start(client), "sub-eve")))
    assert response.url == reverse("login")
    assert any("did not confirm your email" in text for text in _messages(response))
    assert not User.objects.filter(email="eve@example.com").exists()


def test_a_provider_that_sends_no_email_verified_is_refused_by_default(client, sso):
    set_user(sso, "sub-ned", email="ned@example.com")
    response = client.get(_callback_path(authorize(_start(client), "sub-ned")))
    assert response.url == reverse("login")
    assert any("did not confirm your email" in text for text in _messages(response))
    assert not User.objects.filter(email="ned@example.com").exists()


def test_a_provider_trusted_without_email_verified_signs_people_in(client, sso, settings):
    settings.OIDC_TRUST_UNVERIFIED_EMAIL = True
    set_user(sso, "sub-ned", email="ned@example.com", groups=["sre"])
    response = client.get(_callback_path(authorize(_start(client), "sub-ned")))
    assert response.status_code == 302 and response.url != reverse("login")
    ned = User.objects.get(email="ned@example.com")
    assert client.get(reverse("incidents:list")).context["user"] == ned


def test_a_trusted_provider_saying_the_email_is_not_verified_is_still_refused(
    client, sso, settings
):
    settings.OIDC_TRUST_UNVERIFIED_EMAIL = True
    set_user(sso, "sub-eve", email="eve@example.com", email_verified=False)
    response = client.get(_callback_path(authorize(_start(client), "sub-eve")))
    assert response.url == reverse("login")
    assert not User.objects.filter(email="eve@example.com").exists()


def test_a_replayed_state_is_refused_with_a_clear_message(client, sso):
    set_user(sso, "sub-ray", email="ray@example.com", email_verified=True)
    callback = _callback_path(authorize(_start(client), "sub-ray"))
    assert client.get(callback).status_code == 302
    replay = client.get(callback)
    assert replay.status_code == 302
    assert replay.url == reverse("login")
    assert any("already used" in text for text in _messages(replay))
    # After logging out, and in another browser that never started this sign-in, too.
    client.post(reverse("logout"))
    for browser in (client, Client()):
        again = browser.get(callback)
        assert again.status_code == 302 and again.url == reverse("login")
        assert any("already used" in text for text in _messages(again))
        assert browser.get(reverse("incidents:list")).status_code == 302


def _foreign_token(issuer: str, sub: str, nonce: str) -> dict:
    """Return real tokens the provider issued to another application, with our nonce."""
    redirect_uri = "http://other-app.example/callback"
    authorize_url = f"{issuer}/oauth2/authorize?" + urlencode(
        {
            "client_id": "other-app",
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "openid email",
            "state": "other-state",
            "nonce": nonce,
        }
    )
    code = query(authorize(authorize_url, sub))["code"]
    response = requests.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": "other-app",
            "client_secret": "other-secret",
        },
        timeout=5,
    )
    response.raise_for_status()
    return response.json()


def test_an_id_token_for_another_audience_is_refused_with_a_clear_message(client, sso, monkeypatch):
    set_user(sso, "sub-mal", email="mal@example.com", email_verified=True)
    params = query(_start(client))
    nonce = client.session["oidc_states"][params["state"]]["nonce"]
    # A token substituted on the way (or a provider misconfigured): real, signed by the
    # provider, with the right nonce, but issued to another client.
    foreign = _foreign_token(sso, "sub-mal", nonce)
    monkeypatch.setattr(oidc.SSOBackend, "get_token", lambda backend, payload: foreign)
    response = client.get(
        reverse("accounts:oidc_callback") + f"?code=anything&state={params['state']}"
    )
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert any("issued for another application" in text for text in _messages(response))
    assert not User.objects.filter(email="mal@example.com").exists()


def test_a_provider_that_does_not_answer_is_a_message_not_a_500(client, settings):
    settings.OIDC_ISSUER_URL = "http://127.0.0.1:9"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    response = client.get(reverse("accounts:oidc_login"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert any("did not answer" in text for text in _messages(response))


def test_sso_sign_ins_are_not_asked_to_set_up_two_factor(client, sso, settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    set_user(
        sso, "sub-lead", email="lead@example.com", email_verified=True, groups=["sre", "leads"]
    )
    client.get(_callback_path(authorize(_start(client), "sub-lead")))
    assert client.get(reverse("incidents:list")).status_code == 200


def test_with_password_login_off_the_form_is_hidden_and_refused(
    client, sso, settings, user_factory
):
    settings.PASSWORD_LOGIN = False
    user_factory(username="plain")
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with SSO" in page and 'name="password"' not in page
    response = client.post(
        reverse("login"), {"username": "plain", "password": "correct-horse-battery"}
    )
    assert response.status_code == 403
    assert "Password sign-in is turned off" in response.content.decode()


def test_with_password_login_off_only_superusers_use_the_break_glass_path(
    sso, settings, user_factory
):
    settings.PASSWORD_LOGIN = False
    user_factory(username="plain")
    user_factory(username="root", is_superuser=True, is_staff=True)
    path = reverse("login") + "?breakglass=1"
    data = {"username": "plain", "password": "correct-horse-battery", "breakglass": "1"}
    assert 'name="password"' in Client().get(path).content.decode()
    assert Client().post(path, data).status_code == 200  # refused like a wrong password
    data["username"] = "root"
    assert Client().post(path, data).status_code == 302


def test_turning_password_login_off_ends_password_sessions_of_non_superusers(
    client, settings, user_factory
):
    client.post(
        reverse("login"), {"username": user_factory().username, "password": "correct-horse-battery"}
    )
    assert client.get(reverse("incidents:list")).status_code == 200
    settings.PASSWORD_LOGIN = False
    assert client.get(reverse("incidents:list")).status_code == 302


def test_an_email_shared_by_two_accounts_is_refused_with_a_clear_message(client, sso, user_factory):
    user_factory(username="twin1", email="twin@example.com")
    user_factory(username="twin2", email="TWIN@example.com")
    set_user(sso, "sub-twin", email="twin@example.com", email_verified=True)
    response = client.get(_callback_path(authorize(_start(client), "sub-twin")))
    assert response.url == reverse("login")
    assert any("More than one account" in text for text in _messages(response))
