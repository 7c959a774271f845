"""Shared start-up for the bench scripts: the bench database and Django settings."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postmortems_bench"
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway local data set
BENCH_USERNAME = "bench"

# The app as production runs it, minus HTTPS (the load generator speaks plain HTTP on loopback).
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "http://127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    # Every worker keeps its connection, as a production deploy would.
    "DATABASE_CONN_MAX_AGE": "600",
    # The load generator logs in many times from one address.
    "AXES_FAILURE_LIMIT": "1000",
}


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def server_env() -> dict[str, str]:
    return {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url()}


def setup_django() -> None:
    """Point Django at the bench database and start it."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(server_env())
    import django

    django.setup()


def create_database(*, recreate: bool) -> None:
    """Create the bench database (dropping it first when asked) on its PostgreSQL server."""
    import psycopg

    parts = urlsplit(database_url())
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and recreate:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
