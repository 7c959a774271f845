"""What each sender's delivery says, and whether it really comes from the sender.

Every sender is read as its documentation shows its payload:
- PagerDuty v3 webhooks (developer.pagerduty.com, "Webhooks Overview", "Verifying
  Signatures"): `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`, several
  comma-separated while a secret is rotated; one event per delivery, `event.occurred_at`.
- Opsgenie's outgoing Webhook integration ("Alert action data"): not signed; the integration
  sends the custom headers it is given, so it sends `Authorization: Bearer <secret>`.
- Prometheus Alertmanager's webhook_config (payload version "4"): authenticated by its
  `http_config` (`authorization` bearer credentials, or `basic_auth` with the secret as
  password).
- Grafana alerting's webhook contact point: its HMAC signature (`X-Grafana-Alerting-Signature`,
  hex HMAC-SHA256 of the body, or of "<timestamp>:<body>" with a timestamp header), or the
  Authorization header or basic auth like Alertmanager.
"""

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alerts.models import AlertEvent, AlertSource

Action = AlertEvent.Action
# A signature's timestamp further than this from our clock is a replay (Grafana).
TIMESTAMP_TOLERANCE = 300
# Times outside these are no sender's (Alertmanager's "unset" is year 1); near Python's
# smallest and largest dates the incident's own checks would overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


class BadPayload(ValueError):
    """The body is not what the sender documents; the message says what is wrong."""


@dataclass(frozen=True)
class Fact:
    """One thing an alert sender says happened, in its own time (UTC)."""

    key: str  # the dedup key or group: alerts with one key share an incident
    alert_id: str  # the one alert within the key
    action: str  # an AlertEvent.Action
    occurred_at: datetime
    started_at: datetime  # when the alert began: its "triggered" entry
    title: str
    service_name: str = ""
    who: str = ""
    url: str = ""
    # The sender says everything under the key is over: the incident is mitigated then.
    ends_key: bool = False
    labels: dict = field(default_factory=dict, compare=False)


# --- verification ---


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    return hmac.compare_digest(expected.encode(), given.encode())


def pagerduty_signed(secret: str, body: bytes, header: str) -> bool:
    """Return True when one of the header's v1 signatures is the body's, with the secret."""
    expected = _hmac_hex(secret, body)
    signatures = [part.strip() for part in header.split(",")]
    return any(
        _same(expected, sig.removeprefix("v1=")) for sig in signatures if sig.startswith("v1=")
    )


def grafana_signed(secret: str, body: bytes, header: str, timestamp: str) -> bool:
    """Return True for Grafana's HMAC of the body (or "timestamp:body"), timestamp fresh."""
    message = body
    if timestamp:
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        if abs(int(time.time()) - sent) > TIMESTAMP_TOLERANCE:  # ints: no float overflow
            return False
        message = timestamp.encode() + b":" + body
    return _same(_hmac_hex(secret, message), header.strip().lower())


def authorization_matches(secret: str, header: str) -> bool:
    """Return True for `Bearer <secret>` (any scheme name) or basic auth with it as password."""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        credentials = decoded.partition(":")[2]
    return bool(credentials) and hmac.compare_digest(credentials.encode(), secret.encode())


def verify(source: AlertSource, secret: str, body: bytes, headers) -> bool | None:
    """Return True when the delivery is the sender's, False when not, None when unsigned."""
    if source.kind == AlertSource.Kind.PAGERDUTY:
        header = headers.get("X-PagerDuty-Signature", "")
        return pagerduty_signed(secret, body, header) if header else None
    if source.kind == AlertSource.Kind.GRAFANA:
        signature = headers.get("X-Grafana-Alerting-Signature", "")
        if signature:
            timestamp = headers.get("X-Grafana-Alerting-Timestamp", "") or headers.get(
                "X-Grafana-Alerting-Signature-Timestamp", ""
            )
            return grafana_signed(secret, body, signature, timestamp)
    authorization = headers.get("Authorization", "")
    return authorization_matches(secret, authorization) if authorization else None


# --- reading payloads ---


# An epoch number this large is in ns, µs or ms (seconds reach 1e11 only in year 5138).
EPOCH_UNITS = ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3))


def _time(value, what: str) -> datetime:
    """Return an aware UTC datetime from ISO 8601 text or epoch s/ms/µs/ns numbers."""
    if isinstance(value, bool):
        raise BadPayload(f"{what} is not a time.")
    if isinstance(value, int | float):
        number = float(value)
        # Opsgenie's createdAt is in milliseconds and its updatedAt in nanoseconds.
        divisor = next((d for limit, d in EPOCH_UNITS if abs(number) >= limit), 1)
        seconds = number / divisor
        try:
            return _plausible(datetime.fromtimestamp(seconds, tz=UTC), what)
        except (OverflowError, OSError, ValueError):
            raise BadPayload(f"{what} is not a time.") from None
    if not isinstance(value, str) or not value:
        raise BadPayload(f"{what} is missing.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"{what} is not an ISO 8601 time: {value[:40]!r}.") from None
    if moment.tzinfo is None:
        raise BadPayload(f"{what} has no time zone: {value[:40]!r}.")
    try:
        return _plausible(moment.astimezone(UTC), what)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first UTC moment
        raise BadPayload(f"{what} is not a time.") from None


def _plausible(moment: datetime, what: str) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise BadPayload(f"{what} is not between 1970 and 3000: {moment:%Y-%m-%d}.")
    return moment


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise BadPayload(f"{what} must be a JSON object.")
    return value


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


PAGERDUTY_ACTIONS = {
    "incident.triggered": Action.TRIGGERED,
    "incident.acknowledged": Action.ACKNOWLEDGED,
    "incident.escalated": Action.ESCALATED,
    "incident.resolved": Action.RESOLVED,
}


def pagerduty(payload: dict, source: AlertSource) -> list[Fact]:
    event = _object(payload.get("event"), "event")
    action = PAGERDUTY_ACTIONS.get(event.get("event_type"))
    if action is None:
        return []  # another kind of event (a note, a priority): nothing for the timeline
    data = _object(event.get("data"), "event.data")
    incident_id = _text(data.get("id"))
    if not incident_id:
        raise BadPayload("event.data.id is missing.")
    agent = event.get("agent") if isinstance(event.get("agent"), dict) else {}
    service = data.get("service") if isinstance(data.get("service"), dict) else {}
    return [
        Fact(
            key=_text(data.get("incident_key")) or incident_id,
            alert_id=incident_id,
            action=action,
            occurred_at=_time(event.get("occurred_at"), "event.occurred_at"),
            started_at=_time(data.get("created_at"), "event.data.created_at"),
            title=_text(data.get("title")) or f"PagerDuty incident {incident_id}",
            service_name=_text(service.get("summary")),
            who=_text(agent.get("summary")),
            url=_text(data.get("html_url")),
            ends_key=action == Action.RESOLVED,
        )
    ]


OPSGENIE_ACTIONS = {
    "Create": Action.TRIGGERED,
    "Acknowledge": Action.ACKNOWLEDGED,
    "Escalate": Action.ESCALATED,
    "EscalateNext": Action.ESCALATED,
    "Close": Action.RESOLVED,
}


def opsgenie(payload: dict, source: AlertSource) -> list[Fact]:
    action = OPSGENIE_ACTIONS.get(payload.get("action"))
    if action is None:
        return []  # a note, a tag, ownership: nothing for the timeline
    alert = _object(payload.get("alert"), "alert")
    alert_id = _text(alert.get("alertId"))
    if not alert_id:
        raise BadPayload("alert.alertId is missing.")
    started = _time(alert.get("createdAt"), "alert.createdAt")
    occurred = started
    if action != Action.TRIGGERED:
        occurred = _time(alert.get("updatedAt"), "alert.updatedAt")
    return [
        Fact(
            key=_text(alert.get("alias")) or alert_id,
            alert_id=alert_id,
            action=action,
            occurred_at=occurred,
            started_at=started,
            title=_text(alert.get("message")) or f"Opsgenie alert {alert.get('tinyId', alert_id)}",
            service_name=_text(alert.get("entity")),
            who=_text(alert.get("username")) if action != Action.TRIGGERED else "",
            ends_key=action == Action.RESOLVED,
        )
    ]


def _alert_title(alert: dict) -> str:
    labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
    annotations = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
    name = _text(labels.get("alertname"))
    summary = _text(annotations.get("summary"))
    if name and summary:
        return f"{name}: {summary}"
    return name or summary or "Alert"


def _alert_id(alert: dict) -> str:
    fingerprint = _text(alert.get("fingerprint"))
    if fingerprint:
        return fingerprint
    labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
    text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def alertmanager(payload: dict, source: AlertSource) -> list[Fact]:
    """Read an Alertmanager (or Grafana) group: one fact per alert, firing or resolved."""
    group_key = _text(payload.get("groupKey"))
    if not group_key:
        raise BadPayload("groupKey is missing.")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise BadPayload("alerts must be a non-empty list.")
    facts = []
    for index, alert in enumerate(alerts):
        alert = _object(alert, f"alerts[{index}]")
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        started = _time(alert.get("startsAt"), f"alerts[{index}].startsAt")
        status = alert.get("status")
        if status == "firing":
            action, occurred = Action.TRIGGERED, started
        elif status == "resolved":
            ended = _time(alert.get("endsAt"), f"alerts[{index}].endsAt")
            action, occurred = Action.RESOLVED, ended
        else:
            raise BadPayload(f"alerts[{index}].status must be firing or resolved.")
        facts.append(
            Fact(
                key=group_key,
                alert_id=_alert_id(alert),
                action=action,
                occurred_at=occurred,
                started_at=started,
                title=_alert_title(alert),
                service_name=_text(labels.get(source.service_label)),
                url=_text(alert.get("generatorURL")),
                labels=labels,
            )
        )
    if payload.get("status") == "resolved":
        # The whole group is over: it ended when its last alert did.
        last = max((f for f in facts if f.action == Action.RESOLVED), key=lambda f: f.occurred_at)
        facts[facts.index(last)] = Fact(**{**last.__dict__, "ends_key": True})
    return facts


def group_title(payload: dict, facts: list[Fact]) -> str:
    """Return the incident title for a group: its common summary, alert name, or first alert."""
    common = payload.get("commonAnnotations")
    labels = payload.get("commonLabels")
    summary = _text(common.get("summary")) if isinstance(common, dict) else ""
    name = _text(labels.get("alertname")) if isinstance(labels, dict) else ""
    if name and summary:
        return f"{name}: {summary}"
    return summary or name or (facts[0].title if facts else "Alert")


READERS = {
    AlertSource.Kind.PAGERDUTY: pagerduty,
    AlertSource.Kind.OPSGENIE: opsgenie,
    AlertSource.Kind.ALERTMANAGER: alertmanager,
    AlertSource.Kind.GRAFANA: alertmanager,  # Grafana's payload is Alertmanager's, and more
}


def read(source: AlertSource, payload) -> tuple[list[Fact], str]:
    """Return the facts of a delivery and the title for an incident it opens."""
    payload = _object(payload, "The body")
    facts = READERS[source.kind](payload, source)
    if source.kind in (AlertSource.Kind.ALERTMANAGER, AlertSource.Kind.GRAFANA):
        return facts, group_title(payload, facts)
    return facts, facts[0].title if facts else ""
