import re
from base64 import b32encode

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _totp(device: TOTPDevice) -> pyotp.TOTP:
    return pyotp.TOTP(b32encode(device.bin_key).decode())


def _enrol(client, user) -> tuple[pyotp.TOTP, list[str]]:
    """Set up two-factor sign-in through the settings pages; return the app and the codes."""
    client.force_login(user)
    client.post(reverse("accounts:two_factor_start"))
    page = client.get(reverse("accounts:two_factor")).content.decode()
    secret = re.search(r'<code class="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    app = pyotp.TOTP(secret)
    response = client.post(reverse("accounts:two_factor_confirm"), {"token": app.now()})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    client.logout()
    return app, codes


def _password_step(client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_enrolment_shows_a_qr_code_as_svg_and_the_secret(client, user_factory):
    client.force_login(user_factory())
    client.post(reverse("accounts:two_factor_start"))
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert 'src="data:image/svg+xml' in page
    assert re.search(r'<code class="otp-secret">[A-Z2-7]{32}</code>', page)


def test_a_wrong_code_does_not_turn_two_factor_sign_in_on(client, user_factory):
    user = user_factory()
    client.force_login(user)
    client.post(reverse("accounts:two_factor_start"))
    device = TOTPDevice.objects.get(user=user)
    wrong = str((int(_totp(device).now()) + 1) % 1_000_000).zfill(6)
    client.post(reverse("accounts:two_factor_confirm"), {"token": wrong})
    assert not two_factor.has_two_factor(user)


def test_confirming_with_a_real_code_shows_ten_recovery_codes_once(client, user_factory):
    user = user_factory()
    _app, codes = _enrol(client, user)
    assert two_factor.has_two_factor(user)
    assert len(codes) == 10
    client.force_login(user)
    assert codes[0] not in client.get(reverse("accounts:two_factor")).content.decode()


def test_a_user_with_two_factor_is_not_signed_in_by_the_password_alone(client, user_factory):
    user = user_factory(username="tfa")
    _enrol(Client(), user)
    response = _password_step(client, "tfa")
    assert response.url == reverse("accounts:login_verify")
    assert client.get(reverse("incidents:list")).status_code == 302  # still anonymous


def test_the_code_from_the_app_completes_the_sign_in_and_keeps_next(client, user_factory):
    user = user_factory(username="tfa")
    device_app, _ = _enrol(Client(), user)
    # The code used to confirm the device cannot be used again: wait for the next one.
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    _password_step(client, "tfa", next_url="/incidents/dashboard/")
    response = client.post(reverse("accounts:login_verify"), {"token": device_app.now()})
    assert response.status_code == 302
    assert response.url == "/incidents/dashboard/"
    assert client.get(reverse("incidents:list")).status_code == 200


def test_a_wrong_code_is_refused_next_to_the_field(client, user_factory):
    user = user_factory(username="tfa")
    _enrol(Client(), user)
    _password_step(client, "tfa")
    response = client.post(reverse("accounts:login_verify"), {"token": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("incidents:list")).status_code == 302


def test_a_recovery_code_signs_in_once(user_factory):
    user = user_factory(username="tfa")
    _, codes = _enrol(Client(), user)
    first = Client()
    _password_step(first, "tfa")
    assert first.post(reverse("accounts:login_verify"), {"token": codes[0]}).status_code == 302
    assert first.get(reverse("incidents:list")).status_code == 200
    second = Client()
    _password_step(second, "tfa")
    response = second.post(reverse("accounts:login_verify"), {"token": codes[0]})
    assert response.status_code == 200
    assert two_factor.recovery_codes_left(user) == 9


def test_the_second_step_expires(client, user_factory):
    user = user_factory(username="tfa")
    app, _ = _enrol(Client(), user)
    _password_step(client, "tfa")
    session = client.session
    session["accounts.pending_two_factor"]["at"] -= 3600
    session.save()
    response = client.post(reverse("accounts:login_verify"), {"token": app.now()})
    assert response.url == reverse("login")


def test_turning_two_factor_off_needs_a_code(client, user_factory):
    user = user_factory()
    _app, codes = _enrol(client, user)
    client.force_login(user)
    client.post(reverse("accounts:two_factor_disable"), {"token": "123456"})
    assert two_factor.has_two_factor(user)
    client.post(reverse("accounts:two_factor_disable"), {"token": codes[1]})
    assert not two_factor.has_two_factor(user)


def test_managers_without_two_factor_must_set_it_up_when_required(
    client, user_factory, team_factory, settings
):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    manager = user_factory(username="boss")
    team_factory(manager=manager)
    client.force_login(manager)
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor")
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    _enrol(client, manager)
    client.force_login(manager)
    assert client.get(reverse("incidents:list")).status_code == 200


def test_people_who_are_not_managers_are_not_forced_to_set_up_two_factor(
    logged_in_client, settings
):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    assert logged_in_client.get(reverse("incidents:list")).status_code == 200


def test_the_admin_login_form_goes_through_our_login_with_its_second_step(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/admin/"
