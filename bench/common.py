"""Shared helpers for the benchmark scripts."""

from django.core.management import call_command
from django.db import connection


def fresh_database() -> None:
    """Empty the benchmark database and bring its schema up to date."""
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
