"""Alert senders for tests: sources with known secrets, payloads as the senders send them.

For any test, browser stories included:

    source, secret = alert_source(team=team, kind="alertmanager")
    response = post_alert(source, secret, alertmanager_alert(alertname="DiskFull"),
                          base_url=live_server.url)     # or client=client (Django's)
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from django.test import Client
from django.urls import reverse

from alerts.models import AlertSource
from alerts.services import source_create
from incidents.models import Team, User

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    """Return a payload of tests/alerts/payloads/ (each as its sender's docs show it)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def alert_source(
    *, team: Team, kind: str = "alertmanager", actor: User | None = None, **fields: Any
) -> tuple[AlertSource, str]:
    """Make a source of the team; return it and its secret (PagerDuty's given, as there)."""
    source = AlertSource(team=team, kind=kind, name=fields.pop("name", f"{kind} source"), **fields)
    given = "pagerduty-signing-secret" if kind == AlertSource.Kind.PAGERDUTY else ""
    source, made = source_create(source=source, actor=actor or team.manager, given_secret=given)
    return source, given or made


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def alertmanager_alert(
    *,
    alertname: str = "HighLatency",
    status: str = "firing",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    summary: str = "p99 latency above 2s",
    labels: dict | None = None,
    group_key: str | None = None,
    fingerprint: str | None = None,
) -> dict:
    """Return an Alertmanager webhook body (version 4) with one alert, firing or resolved."""
    starts_at = starts_at or datetime(2024, 3, 5, 9, 12, 3, tzinfo=UTC)
    labels = {"alertname": alertname, **(labels or {})}
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary},
        "startsAt": _rfc3339(starts_at),
        "endsAt": _rfc3339(ends_at) if ends_at else "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.example.com/graph",
        "fingerprint": fingerprint or hashlib.sha256(alertname.encode()).hexdigest()[:16],
    }
    return {
        "version": "4",
        "groupKey": group_key or f'{{}}:{{alertname="{alertname}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "postmortems",
        "groupLabels": {"alertname": alertname},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "https://alertmanager.example.com",
        "alerts": [alert],
    }


def signed_headers(source: AlertSource, secret: str, body: bytes) -> dict[str, str]:
    """Return the headers the source's sender sends: a signature or an Authorization header."""
    if source.kind == AlertSource.Kind.PAGERDUTY:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {"X-PagerDuty-Signature": f"v1={digest}"}
    if source.kind == AlertSource.Kind.GRAFANA:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {"X-Grafana-Alerting-Signature": digest}
    return {"Authorization": f"Bearer {secret}"}


def alert_url(source: AlertSource) -> str:
    return reverse("alerts:receive", args=[source.kind, source.uuid])


def post_alert(
    source: AlertSource,
    secret: str,
    body: dict | bytes,
    *,
    client: Client | None = None,
    base_url: str | None = None,
    headers: dict[str, str] | None = None,
):
    """Post a delivery as the sender would: through Django's client, or to a live server."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **signed_headers(source, secret, raw)}
    if headers is not None:
        sent = {"Content-Type": "application/json", **headers}
    if base_url is not None:
        return requests.post(base_url + alert_url(source), data=raw, headers=sent, timeout=10)
    client = client or Client()
    sent.pop("Content-Type")
    return client.post(alert_url(source), data=raw, content_type="application/json", headers=sent)
