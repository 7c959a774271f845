import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_map, env_timezone

BASE_DIR = Path(__file__).resolve().parent.parent


def test_env_bool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False


def test_env_bool_fails_loudly_on_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", False)


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("PORT_NUMBER", "x1")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("PORT_NUMBER", 1)
    monkeypatch.setenv("HOSTS", "a.example, ,b.example")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_env_timezone_rejects_unknown_zones(monkeypatch):
    monkeypatch.setenv("TZ_NAME", "Europe/Atlantis")
    with pytest.raises(ImproperlyConfigured, match="IANA"):
        env_timezone("TZ_NAME", "UTC")


@pytest.mark.parametrize("name", ["Mars/Base", "../../etc/passwd", "x" * 300, "Europe/Berlin "])
def test_every_kind_of_wrong_zone_name_is_refused_with_a_reason(monkeypatch, name):
    # zoneinfo raises three different errors for these; each must read as "not a zone".
    from django.core.exceptions import ValidationError

    from core.zones import zone_or_none
    from importing.errors import PostmortemImportError
    from importing.parse import parse_postmortem
    from incidents.models import validate_time_zone

    assert zone_or_none(name) is None
    monkeypatch.setenv("TZ_NAME", name)
    with pytest.raises(ImproperlyConfigured, match="not an IANA time zone"):
        env_timezone("TZ_NAME", "UTC")
    with pytest.raises(ValidationError, match="not a known time zone"):
        validate_time_zone(name)
    with pytest.raises(PostmortemImportError, match="is not a time zone"):
        parse_postmortem("# Outage\n\n- 09:00: alert\n", default_date=None, time_zone=name)


def test_check_deploy_is_clean_with_production_settings():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60 + "production-like-secret-value",
        "ALLOWED_HOSTS": "postmortems.example.com",
        "SITE_URL": "https://postmortems.example.com",
    }
    for name in (
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_choice_names_the_allowed_values(monkeypatch):
    from config.env import env_choice

    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert env_choice("LOG_FORMAT", "plain", ["plain", "json"]) == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="one of: plain, json"):
        env_choice("LOG_FORMAT", "plain", ["plain", "json"])


def test_log_format_json_switches_the_console_handler_to_json():
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('incidents.tasks').error('mail failed', extra={'action_item_id': 7})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "mail failed"
    assert line["action_item_id"] == 7
    assert line["level"] == "ERROR"


def _bare(*args: str) -> subprocess.CompletedProcess:
    """Run python in a bare environment: no SECRET_KEY, no DEBUG, nothing of the tests'."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


def test_a_bare_environment_can_check_migrations_but_cannot_serve():
    checked = _bare("manage.py", "makemigrations", "--check", "--dry-run")
    assert checked.returncode == 0, checked.stderr
    assert "No changes detected" in checked.stdout
    served = _bare("-c", "import config.wsgi")
    assert served.returncode != 0
    assert "SECRET_KEY is not set" in served.stderr


def test_env_map_reads_group_to_team_pairs_and_refuses_a_pair_without_equals(monkeypatch):
    monkeypatch.setenv("OIDC_GROUP_TEAMS", "sre=SRE, payments-eng = Payments team ,")
    assert env_map("OIDC_GROUP_TEAMS", {}) == {"sre": "SRE", "payments-eng": "Payments team"}
    monkeypatch.setenv("OIDC_GROUP_TEAMS", "sre")
    with pytest.raises(ImproperlyConfigured, match="OIDC_GROUP_TEAMS"):
        env_map("OIDC_GROUP_TEAMS", {})


def test_check_deploy_warns_when_the_cache_is_kept_in_each_process():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60 + "production-like-secret-value",
        "CACHE_URL": "locmem://",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=BASE_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "core.W001" in result.stderr + result.stdout
    assert "CACHE_URL" in result.stderr + result.stdout
