"""Repository secrets: encrypted at rest, kept when left empty, rotated to a new key."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from publishing import services
from publishing.models import RepositoryConnection

pytestmark = pytest.mark.django_db


def test_empty_secrets_keep_the_saved_ones(team, manager):
    connection = RepositoryConnection(team=team, kind="github", repository="acme/postmortems")
    connection, secret = services.connection_save(
        connection=connection, token="tok-1", ssh_key="", actor=manager
    )
    assert secret and connection.webhook_secret == secret

    connection, again = services.connection_save(
        connection=connection, token="", ssh_key="", actor=manager
    )
    assert again == "" and connection.token == "tok-1"


def test_an_api_connection_without_a_token_is_refused(team, manager):
    connection = RepositoryConnection(team=team, kind="gitlab", repository="acme/postmortems")
    with pytest.raises(Exception, match="Enter the token"):
        services.connection_save(connection=connection, token="", ssh_key="", actor=manager)


def test_rotating_keys_encrypts_every_secret_with_the_new_key(team, manager, settings):
    connection = RepositoryConnection(
        team=team, kind="git", remote_url="ssh://git@example.com/a.git"
    )
    connection.set_token("tok")
    connection.set_ssh_key("-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n")
    connection.set_webhook_secret("hook")
    connection.save()
    new_key = Fernet.generate_key().decode()
    settings.TRACKER_ENCRYPTION_KEYS = [new_key, *settings.TRACKER_ENCRYPTION_KEYS]

    out = io.StringIO()
    call_command("rotate_repository_keys", stdout=out)
    assert "Encrypted the secrets of 1 repositories again." in out.getvalue()

    settings.TRACKER_ENCRYPTION_KEYS = [new_key]
    connection = RepositoryConnection.objects.get()
    assert (connection.token, connection.webhook_secret) == ("tok", "hook")
    assert connection.ssh_key.startswith("-----BEGIN OPENSSH")
