"""Encrypt every stored repository secret again with the first of TRACKER_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from publishing.models import RepositoryConnection
from trackers import crypto

SECRETS = ("token_encrypted", "ssh_key_encrypted", "webhook_secret_encrypted")


class Command(BaseCommand):
    help = (
        "Encrypt every repository token, SSH key and webhook secret again with the first key "
        "of TRACKER_ENCRYPTION_KEYS; run it (with rotate_tracker_keys) before removing a key."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        connections = list(RepositoryConnection.objects.select_for_update())
        for connection in connections:
            for name in SECRETS:
                setattr(connection, name, crypto.rotate(getattr(connection, name)))
            connection.save(update_fields=list(SECRETS))
        self.stdout.write(f"Encrypted the secrets of {len(connections)} repositories again.")
