"""Encrypt every stored Confluence API token again with the first of TRACKER_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from confluence.models import ConfluenceConnection
from core import crypto as secrets


class Command(BaseCommand):
    help = (
        "Encrypt every Confluence API token again with the first key of "
        "TRACKER_ENCRYPTION_KEYS; run it (with rotate_tracker_keys) before removing an old key."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        connections = list(ConfluenceConnection.objects.select_for_update())
        for connection in connections:
            connection.token_encrypted = secrets.rotate(connection.token_encrypted)
            connection.save(update_fields=["token_encrypted"])
        self.stdout.write(
            f"Encrypted the tokens of {len(connections)} Confluence connections again."
        )
