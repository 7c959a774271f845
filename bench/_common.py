"""Shared start-up of the in-process bench scripts (board, reminders, imports).

They run Django in this process on a database of their own, so they never clobber the
data set that bench/generate.py builds for the load test.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postmortems_bench_scripts"

ENV = {
    "SECRET_KEY": "bench-only-not-a-secret",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "LOG_LEVEL": "WARNING",
}


def setup() -> None:
    """Point Django at the scripts' own database (created if missing) and start it."""
    sys.path.insert(0, str(ROOT))
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    url = os.environ.get("BENCH_SCRIPTS_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        import psycopg

        name = parts.path.lstrip("/")
        with psycopg.connect(
            host=parts.hostname, port=parts.port or 5432, user=parts.username,
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not exists.fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()


def fresh_database() -> None:
    """Empty the database and bring its schema up to date."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
