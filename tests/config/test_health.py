import os

import pytest
from django.db import DatabaseError
from django.urls import reverse

from tests.owed import owed_counts

pytestmark = pytest.mark.django_db


def _redis_up() -> bool:
    from config.health import check_redis

    return check_redis() is None


@pytest.fixture
def redis_required():
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running at REDIS_URL")
        pytest.skip("Redis is not running at REDIS_URL")


def test_health_is_ok_without_login_when_database_and_redis_answer(client, redis_required):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
        "deliveries_overdue": owed_counts(),
    }


def test_health_names_redis_when_redis_is_unreachable(client, settings):
    # Port 1 on loopback refuses connections at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "fail"}


def test_health_names_the_database_when_it_fails(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    from config import health

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "fail", "redis": "fail"}}


def test_health_answers_head_requests_from_load_balancers(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.head(reverse("health")).status_code == 503
    assert client.post(reverse("health")).status_code == 405


def test_a_probe_by_the_nodes_own_address_over_http_gets_the_health_check(
    client, settings, redis_required
):
    # As Kubernetes and the load balancer call a node: its IP as the host, plain HTTP.
    settings.ALLOWED_HOSTS = ["postmortems.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # Every other page still refuses the unknown host.
    assert client.get("/login/", HTTP_HOST="10.1.2.3:8000").status_code == 400
