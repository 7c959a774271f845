"""Encrypt every stored tracker secret again with the first of TRACKER_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import transaction

from trackers import crypto
from trackers.models import TrackerConnection


class Command(BaseCommand):
    help = (
        "Encrypt every tracker token and webhook secret again with the first key of "
        "TRACKER_ENCRYPTION_KEYS; run it before removing an old key."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        connections = list(TrackerConnection.objects.select_for_update())
        for connection in connections:
            connection.token_encrypted = crypto.rotate(connection.token_encrypted)
            connection.webhook_secret_encrypted = crypto.rotate(connection.webhook_secret_encrypted)
            connection.save(update_fields=["token_encrypted", "webhook_secret_encrypted"])
        self.stdout.write(f"Encrypted the secrets of {len(connections)} connections again.")
