"""Each sender's documented payloads open and fill incidents; each is verified as documented.

Payloads (tests/alerts/payloads/) are the senders' own examples:
- PagerDuty: developer.pagerduty.com, Webhooks v3 "Overview" (envelope and `incident`
  data) and "Verifying Signatures" (X-PagerDuty-Signature, v1=hex HMAC-SHA256, comma list).
- Opsgenie: docs.opsgenie.com "Alert action data" (Create, Acknowledge, Close).
- Alertmanager: prometheus.io/docs/alerting/latest/configuration/#webhook_config (version 4).
- Grafana: grafana.com/docs "Configure webhook notifications" (Webhook JSON payload, HMAC
  signature in X-Grafana-Alerting-Signature, optional timestamp header).
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest

from alerts.models import AlertEvent
from incidents.models import Incident, TimelineEvent
from tests.alerts.helpers import alert_source, payload, post_alert

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def timeline(incident: Incident) -> list[tuple[str, datetime]]:
    return [(e.kind, e.occurred_at) for e in incident.timeline_events.order_by("occurred_at")]


# --- PagerDuty ---


def test_a_pagerduty_trigger_opens_an_incident_detected_at_the_alerts_own_time(team):
    source, secret = alert_source(team=team, kind="pagerduty", severity="SEV2")

    response = post_alert(source, secret, payload("pagerduty_incident_triggered"))

    assert response.status_code == 202
    assert response.json() == {"ok": True, "reason": "Taken in.", "new_facts": 1}
    incident = Incident.objects.get()
    assert incident.title == "A little bump in the road"
    assert incident.team == team and incident.severity == "SEV2"
    assert incident.status == Incident.Status.INVESTIGATING
    assert incident.detected_at == at("2020-04-09T15:16:27Z")
    assert incident.started_at == at("2020-04-09T15:16:27Z")
    assert timeline(incident) == [("detection", at("2020-04-09T15:16:27Z"))]
    assert "Triggered" in incident.timeline_events.get().description


def test_pagerduty_acknowledged_escalated_and_resolved_go_on_the_timeline_at_their_times(
    team,
):
    source, secret = alert_source(team=team, kind="pagerduty")
    for name in ("triggered", "acknowledged", "escalated", "resolved"):
        assert post_alert(source, secret, payload(f"pagerduty_incident_{name}")).status_code == 202

    incident = Incident.objects.get()
    assert timeline(incident) == [
        ("detection", at("2020-04-09T15:16:27Z")),
        ("investigation", at("2020-04-09T15:20:02.169Z")),
        ("escalation", at("2020-04-09T15:25:45Z")),
        ("mitigation", at("2020-04-09T15:48:10Z")),
    ]
    ack = incident.timeline_events.get(kind="investigation")
    assert "Acknowledged" in ack.description and "Tenex Engineer" in ack.description
    assert incident.mitigated_at == at("2020-04-09T15:48:10Z")
    # The alert's end is not the incident's: people resolve it when the work is done.
    assert incident.status == Incident.Status.INVESTIGATING


def test_the_pagerduty_service_is_mapped_to_ours(team, checkout_service):
    source, secret = alert_source(team=team, kind="pagerduty")
    source.service_rules.create(sender_name="api service", service=checkout_service)

    post_alert(source, secret, payload("pagerduty_incident_triggered"))

    assert list(Incident.objects.get().services.all()) == [checkout_service]


def test_other_pagerduty_events_are_accepted_and_change_nothing(team):
    source, secret = alert_source(team=team, kind="pagerduty")

    response = post_alert(source, secret, payload("pagerduty_incident_annotated"))

    assert response.status_code == 202 and response.json()["new_facts"] == 0
    assert not Incident.objects.exists()


def _pd_body() -> bytes:
    return json.dumps(payload("pagerduty_incident_triggered")).encode()


def _pd_signature(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_pagerduty_delivery_signed_with_another_secret_is_refused(team):
    source, secret = alert_source(team=team, kind="pagerduty")
    body = _pd_body()

    response = post_alert(
        source, secret, body, headers={"X-PagerDuty-Signature": _pd_signature("not-it", body)}
    )

    assert response.status_code == 403
    assert "do not match" in response.json()["reason"]
    assert not Incident.objects.exists()


def test_a_pagerduty_delivery_without_a_signature_is_refused(team):
    source, secret = alert_source(team=team, kind="pagerduty")

    response = post_alert(source, secret, _pd_body(), headers={})

    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_a_pagerduty_delivery_signed_with_two_secrets_while_pagerduty_rotates_is_taken(team):
    source, secret = alert_source(team=team, kind="pagerduty")
    body = _pd_body()
    header = f"{_pd_signature('pagerdutys-new-secret', body)},{_pd_signature(secret, body)}"

    response = post_alert(source, secret, body, headers={"X-PagerDuty-Signature": header})

    assert response.status_code == 202
    assert Incident.objects.count() == 1


def test_a_body_changed_after_signing_is_refused(team):
    source, secret = alert_source(team=team, kind="pagerduty")
    body = _pd_body()
    header = _pd_signature(secret, body)

    response = post_alert(
        source, secret, body.replace(b"bump", b"hump"), headers={"X-PagerDuty-Signature": header}
    )

    assert response.status_code == 403


# --- Opsgenie ---


def test_opsgenie_create_acknowledge_and_close_fill_the_timeline(team):
    source, secret = alert_source(team=team, kind="opsgenie")
    for name in ("create", "acknowledge", "close"):
        assert post_alert(source, secret, payload(f"opsgenie_{name}")).status_code == 202

    incident = Incident.objects.get()
    assert incident.title == "test alert"
    created = datetime.fromtimestamp(1420452191104 / 1000, tz=UTC)  # createdAt is in ms
    assert incident.detected_at == created
    acknowledged = datetime.fromtimestamp(1420452224764002246 / 1e9, tz=UTC)  # updatedAt, ns
    closed = datetime.fromtimestamp(1420452402143002246 / 1e9, tz=UTC)
    assert [kind for kind, _ in timeline(incident)] == ["detection", "investigation", "mitigation"]
    times = [moment for _, moment in timeline(incident)]
    assert times[0] == created
    assert abs((times[1] - acknowledged).total_seconds()) < 0.001
    assert abs((times[2] - closed).total_seconds()) < 0.001
    assert "fili@ifountain.com" in incident.timeline_events.get(kind="investigation").description


def test_opsgenie_without_the_authorization_header_is_refused(team):
    source, secret = alert_source(team=team, kind="opsgenie")

    assert post_alert(source, secret, payload("opsgenie_create"), headers={}).status_code == 401
    wrong = {"Authorization": "Bearer guessed"}
    assert post_alert(source, secret, payload("opsgenie_create"), headers=wrong).status_code == 403
    assert not Incident.objects.exists()


# --- Alertmanager ---


def test_an_alertmanager_group_fires_and_resolves(team, checkout_service):
    source, secret = alert_source(team=team, kind="alertmanager")

    assert post_alert(source, secret, payload("alertmanager_firing")).status_code == 202
    assert post_alert(source, secret, payload("alertmanager_resolved")).status_code == 202

    incident = Incident.objects.get()
    assert incident.title == "HighLatency: p99 latency above 2s"
    assert list(incident.services.all()) == [checkout_service]  # label service=checkout
    assert timeline(incident) == [
        ("detection", at("2024-03-05T09:12:03.157Z")),
        ("mitigation", at("2024-03-05T09:41:33.157Z")),
    ]
    assert incident.mitigated_at == at("2024-03-05T09:41:33.157Z")


def test_alertmanager_with_basic_auth_is_taken_and_with_a_wrong_password_refused(team):
    import base64

    source, secret = alert_source(team=team, kind="alertmanager")
    good = base64.b64encode(f"alertmanager:{secret}".encode()).decode()
    bad = base64.b64encode(b"alertmanager:nope").decode()

    body = payload("alertmanager_firing")
    refused = post_alert(source, secret, body, headers={"Authorization": f"Basic {bad}"})
    taken = post_alert(source, secret, body, headers={"Authorization": f"Basic {good}"})

    assert (refused.status_code, taken.status_code) == (403, 202)


# --- Grafana ---


def test_a_grafana_group_signed_with_hmac_opens_one_incident_with_both_alerts(team):
    source, secret = alert_source(team=team, kind="grafana")

    response = post_alert(source, secret, payload("grafana_firing"))
    post_alert(source, secret, payload("grafana_resolved"))

    assert response.status_code == 202
    incident = Incident.objects.get()
    # Alert times are in UTC whatever zone Grafana wrote them in (+02:00 here).
    assert incident.detected_at == at("2021-10-12T07:51:03.157076Z")
    assert timeline(incident) == [
        ("detection", at("2021-10-12T07:51:03.157076Z")),
        ("detection", at("2021-10-12T07:56:03.157076Z")),
        ("mitigation", at("2021-10-12T08:21:03.157076Z")),
        ("mitigation", at("2021-10-12T08:31:03.157076Z")),
    ]
    # The group ended when its last alert did.
    assert incident.mitigated_at == at("2021-10-12T08:31:03.157076Z")


def test_grafana_signs_the_timestamp_with_the_body_and_an_old_timestamp_is_refused(team):
    source, secret = alert_source(team=team, kind="grafana")
    body = json.dumps(payload("grafana_firing")).encode()

    def headers(timestamp: int) -> dict:
        signed = f"{timestamp}:".encode() + body
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return {
            "X-Grafana-Alerting-Signature": digest,
            "X-Grafana-Alerting-Timestamp": str(timestamp),
        }

    stale = post_alert(source, secret, body, headers=headers(int(time.time()) - 3600))
    fresh = post_alert(source, secret, body, headers=headers(int(time.time())))

    assert (stale.status_code, fresh.status_code) == (403, 202)


def test_grafana_with_the_authorization_header_instead_of_hmac_is_taken(team):
    source, secret = alert_source(team=team, kind="grafana")

    response = post_alert(
        source, secret, payload("grafana_firing"), headers={"Authorization": f"Bearer {secret}"}
    )

    assert response.status_code == 202


# --- bad deliveries ---


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "The body is not JSON."),
        (b"[1, 2]", "The body must be a JSON object."),
        (b'{"version": "4", "alerts": []}', "groupKey is missing."),
        (
            b'{"groupKey": "g", "alerts": [{"status": "firing", "startsAt": "yesterday"}]}',
            "alerts[0].startsAt is not an ISO 8601 time: 'yesterday'.",
        ),
        (b"", "The body is not JSON."),
        (b"alerts=1&groupKey=g", "The body is not JSON."),  # form-encoded
        (b"\xff\xfe{}", "The body is not JSON."),
        (b"[" * 100_000 + b"]" * 100_000, "The body's JSON is nested too deeply."),
        (  # Alertmanager's "no time" as a start: no incident opens in year 1
            b'{"groupKey": "g", "alerts": [{"status": "firing", '
            b'"startsAt": "0001-01-01T00:00:00Z"}]}',
            "alerts[0].startsAt is not between 1970 and 3000: 1-01-01.",
        ),
        (
            b'{"groupKey": "g", "alerts": [{"status": "resolved", '
            b'"startsAt": "2024-03-05T09:12:03Z", "endsAt": "0001-01-01T00:00:00+01:00"}]}',
            "alerts[0].endsAt is not a time.",
        ),
    ],
)
def test_a_malformed_delivery_is_answered_400_with_the_reason(team, body, reason):
    source, secret = alert_source(team=team, kind="alertmanager")

    response = post_alert(source, secret, body)

    assert response.status_code == 400
    assert response.json() == {"ok": False, "reason": reason}
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        ("pagerduty", {"X-PagerDuty-Signature": "v1=\u00e9t\u00e9"}),
        ("grafana", {"X-Grafana-Alerting-Signature": "sign\u00e9"}),
        (
            "grafana",
            {"X-Grafana-Alerting-Signature": "00", "X-Grafana-Alerting-Timestamp": "9" * 400},
        ),
        (
            "grafana",
            {"X-Grafana-Alerting-Signature": "00", "X-Grafana-Alerting-Timestamp": "\u00b2"},
        ),
        ("alertmanager", {"Authorization": "Bearer \u00e9t\u00e9"}),
        ("alertmanager", {"Authorization": "Basic !!"}),
    ],
)
def test_a_signature_header_no_sender_sends_is_refused_403(team, kind, headers):
    source, secret = alert_source(team=team, kind=kind)
    body = json.dumps(
        payload(f"{kind}_firing" if kind != "pagerduty" else "pagerduty_incident_triggered")
    )

    # As a server hands them on: header bytes read as Latin-1.
    response = post_alert(source, secret, body.encode(), headers=headers)

    assert response.status_code == 403
    assert response.json()["reason"] == "The signature or the credentials do not match this source."
    assert not Incident.objects.exists()


def test_a_body_too_large_is_refused_before_it_is_read(team):
    source, secret = alert_source(team=team, kind="alertmanager")

    response = post_alert(source, secret, b"{" + b" " * (600 * 1024) + b"}")

    assert response.status_code == 413


def test_an_unknown_source_or_the_wrong_kind_is_404(team):
    source, secret = alert_source(team=team, kind="alertmanager")
    source.kind = "grafana"  # the URL of a Grafana source with this id does not exist

    assert post_alert(source, secret, payload("grafana_firing")).status_code == 404


def test_a_paused_source_answers_but_opens_nothing(team):
    source, secret = alert_source(team=team, kind="alertmanager", is_active=False)

    response = post_alert(source, secret, payload("alertmanager_firing"))

    assert response.status_code == 202 and response.json()["new_facts"] == 0
    assert not AlertEvent.objects.exists() and not TimelineEvent.objects.exists()


def test_a_get_is_not_allowed(client, team):
    source, _ = alert_source(team=team, kind="alertmanager")
    from tests.alerts.helpers import alert_url

    assert client.get(alert_url(source)).status_code == 405
