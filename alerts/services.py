"""Writes of alerts: sources and their secrets, and taking a sender's facts in.

A delivery is applied under a lock on its source, so two deliveries about one new alert
cannot both open an incident. Each fact is written once (AlertEvent.fact is unique per
source); a replay, a retry or a repeat finds its facts there and changes nothing.
"""

import hashlib
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from alerts.models import AlertEvent, AlertLink, AlertServiceRule, AlertSource, new_secret
from alerts.senders import Fact
from incidents.models import Incident, Service, TimelineEvent, User
from incidents.services import (
    StaleVersionError,
    incident_create,
    incident_update,
    timeline_event_create,
)

Action = AlertEvent.Action
# After a rotation the old secret still verifies this long, while the sender is updated.
ROTATION_GRACE = timedelta(hours=24)

TIMELINE_KINDS = {
    Action.TRIGGERED: TimelineEvent.Kind.DETECTION,
    Action.ACKNOWLEDGED: TimelineEvent.Kind.INVESTIGATION,
    Action.ESCALATED: TimelineEvent.Kind.ESCALATION,
    Action.RESOLVED: TimelineEvent.Kind.MITIGATION,
}


# --- sources ---


@sensitive_variables("secret", "given_secret")
def source_create(
    *, source: AlertSource, actor: User, given_secret: str = ""
) -> tuple[AlertSource, str]:
    """Save a new source; return it and the secret we made for it, to be shown once.

    PagerDuty makes its own signing secret: it is given, saved, and not shown back ("").
    """
    secret = "" if given_secret else new_secret()
    source.set_secret(given_secret or secret)
    source.created_by = actor
    source.full_clean()
    source.save()
    return source, secret


@sensitive_variables("secret")
def secret_rotate(*, source: AlertSource, secret: str = "") -> str:
    """Give the source a new (or the given) secret; the old one verifies for ROTATION_GRACE."""
    secret = secret or new_secret()
    source.previous_secret_encrypted = source.secret_encrypted
    source.previous_secret_until = timezone.now() + ROTATION_GRACE
    source.set_secret(secret)
    source.save(
        update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_until"]
    )
    return secret


def rule_create(*, source: AlertSource, sender_name: str, service: Service) -> AlertServiceRule:
    rule = AlertServiceRule(source=source, sender_name=sender_name.strip(), service=service)
    rule.full_clean()
    rule.save()
    return rule


# --- taking alerts in ---


def fact_digest(key: str, alert_id: str, action: str, moment: datetime) -> str:
    """Return the identity of a fact: the same alert, action and time is the same fact."""
    text = "\n".join([key, alert_id, action, moment.isoformat()])
    return hashlib.sha256(text.encode()).hexdigest()


def _key(text: str) -> str:
    """Return the sender's key as stored: a long group key by its digest."""
    return text if len(text) <= 255 else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _service_for(source: AlertSource, name: str) -> Service | None:
    if not name:
        return None
    rule = source.service_rules.filter(sender_name__iexact=name).select_related("service")
    found = rule.first()
    if found is not None:
        return found.service
    return Service.objects.filter(name__iexact=name).first()


def _incident_for(source: AlertSource, fact: Fact, key: str, title: str) -> Incident | None:
    """Return the incident the alert belongs to: where it went before, the key's open one,
    or a new one. None when the alert's incident was deleted (it is not opened again)."""
    earlier = (
        AlertEvent.objects.filter(source=source, key=key, alert_id=fact.alert_id[:255])
        .order_by("received_at", "pk")
        .first()
    )
    if earlier is not None:
        return earlier.incident
    link = (
        AlertLink.objects.filter(source=source, key=key)
        .exclude(incident__status=Incident.Status.RESOLVED)
        .select_related("incident")
        .first()
    )
    if link is not None:
        _join(link.incident, fact, _service_for(source, fact.service_name))
        return link.incident
    service = _service_for(source, fact.service_name)
    data = {
        "title": (title or fact.title)[:200],
        "severity": source.severity,
        "status": Incident.Status.INVESTIGATING,
        "started_at": fact.started_at,
        "detected_at": fact.started_at,
        "team": source.team,
        "is_private": source.open_private,
        "services": [service] if service else [],
    }
    if source.open_private:
        data["allowed_teams"] = [source.team]
    incident = incident_create(actor=None, data=data)
    AlertLink.objects.create(source=source, key=key, incident=incident)
    return incident


def _change(incident: Incident, data: dict) -> None:
    """Apply a change an alert tells; a published postmortem or a human's edit wins."""
    incident.refresh_from_db()
    try:
        with transaction.atomic():
            incident_update(
                incident=incident, actor=None, data=data, expected_version=incident.version
            )
    except (ValidationError, StaleVersionError):
        incident.refresh_from_db()


def _join(incident: Incident, fact: Fact, service: Service | None) -> None:
    """Note what a newly joined alert adds: an earlier detection, another service."""
    data = {}
    if incident.detected_at is None or fact.started_at < incident.detected_at:
        data["detected_at"] = fact.started_at
        if fact.started_at < incident.started_at:
            data["started_at"] = fact.started_at
    if service is not None and not incident.services.filter(pk=service.pk).exists():
        data["services"] = [*incident.services.all(), service]
    if data:
        _change(incident, data)


def _description(source: AlertSource, fact: Fact) -> str:
    text = f"**{Action(fact.action).label}** in {source.get_kind_display()}: {fact.title}"
    if fact.who:
        text += f" (by {fact.who})"
    if fact.url.startswith(("https://", "http://")):
        text += f" — <{fact.url}>"
    return text


def _record(source: AlertSource, fact: Fact, key: str, incident: Incident | None) -> bool:
    """Write the fact and its timeline entry once; return False when it was there already."""
    moment = fact.started_at if fact.action == Action.TRIGGERED else fact.occurred_at
    digest = fact_digest(key, fact.alert_id, fact.action, moment)
    if AlertEvent.objects.filter(source=source, fact=digest).exists():
        return False
    event = AlertEvent(
        source=source, fact=digest, key=key, alert_id=fact.alert_id[:255], action=fact.action,
        occurred_at=moment, title=fact.title[:200], incident=incident,
    )  # fmt: skip
    if incident is not None:
        try:
            with transaction.atomic():
                event.timeline_event = timeline_event_create(
                    incident=incident,
                    actor=None,
                    data={
                        "occurred_at": moment,
                        "kind": TIMELINE_KINDS[fact.action],
                        "description": _description(source, fact),
                    },
                )
        except ValidationError as error:
            event.note = "; ".join(error.messages)[:300]
    event.save()
    return True


def _mitigated(incident: Incident, moment: datetime) -> None:
    """Note the incident mitigated when the alerts behind it are over, unless it says so."""
    incident.refresh_from_db()
    earliest = incident.detected_at or incident.started_at
    before_resolution = incident.resolved_at is None or moment <= incident.resolved_at
    if incident.mitigated_at is None and earliest <= moment and before_resolution:
        _change(incident, {"mitigated_at": moment})


def facts_take_in(*, source_id: int, facts: list[Fact], title: str = "") -> int:
    """Apply a verified delivery's facts once each; return how many were new."""
    new = 0
    with transaction.atomic():
        source = AlertSource.objects.select_for_update().get(pk=source_id)
        for fact in sorted(facts, key=lambda f: (f.started_at, f.occurred_at)):
            key = _key(fact.key)
            trigger = Fact(**{**fact.__dict__, "action": Action.TRIGGERED, "who": ""})
            wanted = [trigger] if fact.action == Action.TRIGGERED else [trigger, fact]
            digests = [
                fact_digest(key, f.alert_id, f.action,
                            f.started_at if f.action == Action.TRIGGERED else f.occurred_at)
                for f in wanted
            ]  # fmt: skip
            known = set(
                AlertEvent.objects.filter(source=source, fact__in=digests).values_list(
                    "fact", flat=True
                )
            )
            if known == set(digests):
                continue  # a replay: nothing at all changes
            incident = _incident_for(source, fact, key, title)
            for one in wanted:
                new += _record(source, one, key, incident)
            if fact.ends_key and incident is not None:
                _mitigated(incident, fact.occurred_at)
        source.last_received_at = timezone.now()
        source.save(update_fields=["last_received_at"])
    return new


def recent_events(source: AlertSource, *, user: User, limit: int = 20) -> list[AlertEvent]:
    """Return the source's latest facts; those of incidents hidden from the user say nothing."""
    visible = Incident.objects.visible_to(user).values("pk")
    return list(
        source.events.filter(incident__in=visible)
        .select_related("incident")
        .order_by("-occurred_at", "-pk")[:limit]
    )
