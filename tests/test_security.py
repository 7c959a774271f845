import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _fail_login(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_every_page_sends_a_policy_forbidding_inline_script(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_repeated_failed_logins_lock_the_user_name_out_with_a_clear_page(client, user_factory):
    user_factory(username="mallory-target")
    for _ in range(4):
        assert _fail_login(client, "mallory-target").status_code == 200
    response = _fail_login(client, "mallory-target")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    # Even the right password is refused while locked out.
    response = client.post(
        reverse("login"), {"username": "mallory-target", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


def test_failed_logins_from_one_address_lock_out_every_user_name_at_the_address_limit(
    client, user_factory, settings
):
    settings.AXES_IP_FAILURE_LIMIT = 8
    user_factory(username="victim")
    for n in range(8):
        _fail_login(client, f"guess{n}")
    response = client.post(
        reverse("login"), {"username": "victim", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


def test_a_good_login_still_works_after_a_few_failures(client, user_factory):
    user_factory(username="typo")
    for _ in range(2):
        _fail_login(client, "typo")
    response = client.post(
        reverse("login"), {"username": "typo", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


def test_logout_needs_a_post(logged_in_client):
    assert logged_in_client.get(reverse("logout")).status_code == 405
    assert logged_in_client.post(reverse("logout")).status_code == 302
