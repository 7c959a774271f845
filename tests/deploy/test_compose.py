"""compose.yaml lays the product out as on several nodes (checked as YAML: no Docker here)."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def _command(service: dict) -> str:
    return " ".join(service.get("command") or [])


def test_two_web_nodes_behind_a_proxy_two_workers_and_one_beat(services):
    web = [n for n, s in services.items() if _command(s).startswith("gunicorn")]
    workers = [n for n, s in services.items() if " worker" in _command(s)]
    beats = [n for n, s in services.items() if " beat" in _command(s)]
    assert len(web) == 2 and len(workers) == 2 and len(beats) == 1
    proxy = services["proxy"]
    assert set(proxy["depends_on"]) == set(web)
    config = (ROOT / "deploy" / "compose" / "haproxy.cfg").read_text()
    assert "option httpchk GET /health/" in config
    for name in web:
        assert f"server {name} {name}:8000 check" in config


def test_web_nodes_start_after_the_migrations_ran_once_and_are_checked_on_health(services):
    assert "migrate" in _command(services["migrate"])
    for name, service in services.items():
        if _command(service).startswith(("gunicorn", "celery")):
            assert service["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }, name
        if _command(service).startswith("gunicorn"):
            assert "/health/" in " ".join(service["healthcheck"]["test"]), name


def test_the_backing_services_are_there_redis_appends_and_uploads_go_to_the_bucket(services):
    assert services["postgres"]["image"].startswith("postgres:")
    assert "--appendonly yes" in _command(services["redis"])
    assert services["minio"]["image"].startswith("minio/")
    assert "mc anonymous set none" in _command(services["bucket"])  # the bucket stays private
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    env = services["web1"]["environment"]
    assert env["AWS_STORAGE_BUCKET_NAME"] and env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["EMAIL_HOST"] == "mailpit"
    assert env["REDIS_URL"].startswith("redis://redis:")
