"""The mail a local run catches, and the page that shows it to superusers only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def local_run(settings, tmp_path):
    """Settings as make run has them: DEBUG on, mail written to files in tmp_path."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = tmp_path
    return tmp_path


def _send(subject: str, to: str, html: str = "<p>Hello</p>") -> None:
    message = EmailMultiAlternatives(subject=subject, body=f"Text of {subject}", to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def _email_backend(**env: str) -> str:
    """Return EMAIL_BACKEND as config.settings picks it from a bare environment plus env."""
    bare = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=bare, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_debug_run_catches_mail_in_files_and_a_deploy_sends_it_over_smtp():
    assert _email_backend(DEBUG="true") == FILE_BACKEND
    assert _email_backend() == "django.core.mail.backends.smtp.EmailBackend"
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    assert _email_backend(DEBUG="true", EMAIL_BACKEND=smtp) == smtp


def test_a_superuser_sees_the_caught_mail_newest_first(client, user_factory, local_run):
    _send("Older reminder", "alice@example.com")
    _send("Newer unlock link", "bob@example.com", html='<p>Hi</p><script>alert("x")</script>')
    client.force_login(user_factory(username="root", is_superuser=True, is_staff=True))

    response = client.get(reverse("dev_mail"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Newer unlock link") < page.index("Older reminder")
    assert "bob@example.com" in page and "Text of Older reminder" in page
    # The HTML part is shown in a frame without permissions, escaped, never inline.
    assert 'sandbox=""' in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert reverse("dev_mail") in client.get(reverse("incidents:list")).content.decode()


def test_the_caught_mail_page_is_a_404_for_everyone_else(client, user_factory, local_run):
    _send("Secret reset", "alice@example.com")
    assert client.get(reverse("dev_mail")).status_code == 404  # signed out: no login redirect
    client.force_login(user_factory(username="carol", is_staff=True))
    assert client.get(reverse("dev_mail")).status_code == 404
    assert reverse("dev_mail") not in client.get(reverse("incidents:list")).content.decode()


def test_the_caught_mail_page_is_a_404_without_debug(client, user_factory, local_run, settings):
    _send("Secret reset", "alice@example.com")
    settings.DEBUG = False
    client.force_login(user_factory(username="root", is_superuser=True, is_staff=True))
    assert client.get(reverse("dev_mail")).status_code == 404
    assert reverse("dev_mail") not in client.get(reverse("incidents:list")).content.decode()


def test_the_page_says_so_when_no_mail_was_caught_yet(client, user_factory, local_run):
    client.force_login(user_factory(username="root", is_superuser=True, is_staff=True))
    assert "No mail yet" in client.get(reverse("dev_mail")).content.decode()
