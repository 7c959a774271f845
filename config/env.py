"""Typed readers for deploy-time settings taken from the environment.

Each helper fails loudly on a value it cannot parse, so a typo in a deploy
surfaces at start-up instead of as a silently wrong default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from core.zones import zone_or_none

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """Return the variable as text, or the default when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean; accept 1/0, true/false, yes/no, on/off."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int) -> int:
    """Return the variable as an integer."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable split on commas, blanks dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_timezone(name: str, default: str) -> str:
    """Return the variable as an IANA time zone name, checked against the tz database."""
    value = os.environ.get(name, default)
    if zone_or_none(value) is None:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an IANA time zone name, e.g. Europe/Berlin or UTC."
        )
    return value


def env_choice(name: str, default: str, choices: list[str]) -> str:
    """Return the variable, which must be one of the choices."""
    raw = os.environ.get(name, default)
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return value


def require_secret_key() -> None:
    """Refuse to serve without SECRET_KEY: sessions, CSRF tokens and unsubscribe links use it.

    Call it where a process starts serving (wsgi, asgi, a Celery worker), so that a missing
    key stops the start-up rather than the first request.
    """
    from django.conf import settings

    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=true for a local run."
        )


def env_map(name: str, default: dict[str, str]) -> dict[str, str]:
    """Return the variable as a mapping: comma-separated `key=value` pairs."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    mapping = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(
                f"{name}: {item.strip()!r} is not key=value; write e.g. sre-group=SRE,ops=Ops."
            )
        mapping[key.strip()] = value.strip()
    return mapping
