"""Encrypt every stored chat secret again with the first of TRACKER_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from chat.models import ChatConnection
from core import crypto

FIELDS = ["bot_token_encrypted", "signing_secret_encrypted", "command_token_encrypted"]


class Command(BaseCommand):
    help = (
        "Encrypt every chat token and signing secret again with the first key of "
        "TRACKER_ENCRYPTION_KEYS; run it before removing an old key."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        connections = list(ChatConnection.objects.select_for_update())
        for connection in connections:
            for name in FIELDS:
                setattr(connection, name, crypto.rotate(getattr(connection, name)))
            connection.save(update_fields=FIELDS)
        self.stdout.write(f"Encrypted the secrets of {len(connections)} chat connections again.")
