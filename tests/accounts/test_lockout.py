import re
import socket
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import signing
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
from accounts.models import UnlockLinkEmail
from accounts.tokens import unlock_token
from core import deliveries

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _after_commit():
    # Each test runs in one transaction; run what a request leaves for after its commit
    # (the unlock e-mail's task) when the request ends, as it would in production.
    return TestCase.captureOnCommitCallbacks(execute=True)


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    with _after_commit():
        return client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )


def _ask_unlock(client, identifier: str):
    with _after_commit():
        return client.post(reverse("accounts:unlock_request"), {"identifier": identifier})


def _lock(client, username: str, address: str = "10.0.0.1") -> None:
    for _ in range(5):
        _login(client, username, "wrong-password", address)


def test_five_wrong_passwords_for_alice_do_not_lock_bob_out_from_the_same_address(
    client, user_factory
):
    user_factory(username="alice")
    user_factory(username="bob")
    _lock(client, "alice")
    assert _login(Client(), "alice", PASSWORD).status_code == 429
    assert _login(Client(), "bob", PASSWORD).status_code == 302


def test_alice_locked_from_one_address_can_still_log_in_from_another(client, user_factory):
    user_factory(username="alice")
    _lock(client, "alice", "10.0.0.1")
    assert _login(Client(), "alice", PASSWORD, "10.0.0.2").status_code == 302


def test_an_address_is_locked_for_everyone_at_the_higher_address_limit(user_factory, settings):
    settings.AXES_IP_FAILURE_LIMIT = 12
    user_factory(username="bob")
    for n in range(11):
        assert _login(Client(), f"guess{n}", "wrong-password").status_code == 200
    assert _login(Client(), "bob", PASSWORD).status_code == 302
    assert _login(Client(), "guess-last", "wrong-password").status_code == 429
    assert _login(Client(), "bob", PASSWORD).status_code == 429
    # Another address is not affected.
    assert _login(Client(), "bob", PASSWORD, "10.0.0.9").status_code == 302


def test_a_good_login_does_not_reset_the_failures_of_other_user_names_at_the_address(
    user_factory, settings
):
    settings.AXES_IP_FAILURE_LIMIT = 6
    user_factory(username="bob")
    for n in range(5):
        _login(Client(), f"guess{n}", "wrong-password")
    assert _login(Client(), "bob", PASSWORD).status_code == 302
    assert _login(Client(), "guess-last", "wrong-password").status_code == 429


def test_the_locked_out_page_offers_an_unlock_link_by_email(client, user_factory):
    user_factory(username="alice")
    _lock(client, "alice")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert reverse("accounts:unlock_request") in response.content.decode()


def test_the_owner_gets_an_unlock_link_by_email_when_the_lockout_starts(
    client, user_factory, mailoutbox
):
    alice = user_factory(username="alice")
    _lock(client, "alice")
    _login(client, "alice", "wrong-again")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [alice.email]
    assert "/account/unlock/" in mailoutbox[0].body


def test_a_locked_owner_unlocks_the_account_with_the_emailed_link(client, user_factory, mailoutbox):
    alice = user_factory(username="alice")
    _lock(client, "alice")
    mailoutbox.clear()
    cache.clear()  # forget the link sent when the lockout started; ask for another one
    response = _ask_unlock(client, "alice")
    assert "If that account is locked" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [alice.email]
    link = re.search(r"http://testserver(/account/unlock/\S+/)", mailoutbox[0].body).group(1)
    # Opening the link (a mail scanner may) changes nothing; the button does.
    assert client.get(link).status_code == 200
    assert _login(Client(), "alice", PASSWORD).status_code == 429
    assert client.post(link).status_code == 302
    assert _login(Client(), "alice", PASSWORD).status_code == 302


def test_the_unlock_form_answers_the_same_for_unknown_and_unlocked_accounts(
    client, user_factory, mailoutbox
):
    user_factory(username="carol")
    unknown = client.post(reverse("accounts:unlock_request"), {"identifier": "nobody"})
    not_locked = client.post(reverse("accounts:unlock_request"), {"identifier": "carol"})
    assert unknown.status_code == not_locked.status_code == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", unknown.content.decode()) == strip.sub("", not_locked.content.decode())
    assert mailoutbox == []


def test_an_expired_or_forged_unlock_link_is_refused(client, user_factory, settings):
    alice = user_factory(username="alice")
    token = unlock_token(alice)
    assert client.get(reverse("accounts:unlock_confirm", args=[token + "x"])).status_code == 404
    settings.ACCOUNT_UNLOCK_LINK_MINUTES = -1
    assert client.get(reverse("accounts:unlock_confirm", args=[token])).status_code == 404
    forged = signing.dumps({"user": alice.pk}, salt="another-purpose")
    assert client.get(reverse("accounts:unlock_confirm", args=[forged])).status_code == 404


def test_a_manager_sees_current_lockouts_and_clears_one(client, user_factory, team_factory):
    user_factory(username="alice")
    carol = user_factory(username="carol")
    team_factory(manager=carol)
    _lock(Client(), "alice")
    client.force_login(carol)
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert "alice" in page and "10.0.0.1" in page
    response = client.post(
        reverse("accounts:lockout_clear"), {"username": "alice", "ip_address": "10.0.0.1"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert _login(Client(), "alice", PASSWORD).status_code == 302


def test_someone_who_is_not_a_manager_cannot_see_or_clear_lockouts(logged_in_client):
    assert logged_in_client.get(reverse("accounts:lockouts")).status_code == 403
    response = logged_in_client.post(reverse("accounts:lockout_clear"), {"ip_address": "10.0.0.1"})
    assert response.status_code == 403


def test_asking_for_unlock_links_again_and_again_sends_one_email(client, user_factory, mailoutbox):
    user_factory(username="dora")
    _lock(client, "dora")  # sends the first link
    for _ in range(3):
        _ask_unlock(client, "dora")
    assert len(mailoutbox) == 1


@pytest.fixture
def mail_server_down(settings):
    """Point Django at an SMTP server on a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Closed on leaving the block: connecting to it is refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    return port


def test_the_fifth_wrong_password_shows_the_lockout_page_while_the_mail_server_is_down(
    client, user_factory, mail_server_down
):
    alice = user_factory(username="alice")
    for _ in range(4):
        assert _login(client, "alice", "wrong-password").status_code == 200
    response = _login(client, "alice", "wrong-password")
    assert response.status_code == 429
    assert reverse("accounts:unlock_request") in response.content.decode()
    # The link is owed, not lost: a row waits for the mail server with the error of its try.
    email = UnlockLinkEmail.objects.get(recipient=alice)
    assert email.status == "pending"
    assert email.attempts == 1
    assert "Connection refused" in email.last_error or "111" in email.last_error


def test_recovery_sends_the_owed_unlock_link_once_the_mail_server_is_back(
    client, user_factory, mail_server_down, settings, mailoutbox
):
    alice = user_factory(username="alice")
    _lock(client, "alice")
    email = UnlockLinkEmail.objects.get(recipient=alice)
    assert mailoutbox == []
    # The mail server is back; the retry is due.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UnlockLinkEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )

    assert deliveries.recover_owed()["unlock_link"] == 1

    assert [message.to for message in mailoutbox] == [[alice.email]]
    email.refresh_from_db()
    assert email.status == "sent"
    link = re.search(r"http://testserver(/account/unlock/\S+/)", mailoutbox[0].body).group(1)
    assert client.post(link).status_code == 302
    assert _login(Client(), "alice", PASSWORD).status_code == 302


def test_an_owed_unlock_link_is_not_sent_once_the_account_is_unlocked(
    client, user_factory, mail_server_down, settings, mailoutbox
):
    alice = user_factory(username="alice")
    _lock(client, "alice")
    AccessAttempt.objects.filter(username="alice").delete()  # a manager cleared the lockout
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = UnlockLinkEmail.objects.get(recipient=alice)

    tasks.deliver_unlock_link.delay(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == "skipped"
    assert mailoutbox == []
