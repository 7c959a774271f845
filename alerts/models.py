"""Where alerts come from, which incident each alert went to, and every fact taken in."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core import crypto
from incidents.models import Incident, Service, Team, TimelineEvent


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class AlertSource(models.Model):
    """One sender of a team's alerts: a PagerDuty subscription, an Alertmanager receiver…

    Its URL names it by a random uuid; the secret (stored encrypted, shown once) verifies
    each delivery the way the sender documents: PagerDuty's HMAC signature, Grafana's HMAC
    signature or an Authorization header, Opsgenie's and Alertmanager's Authorization header.
    """

    class Kind(models.TextChoices):
        PAGERDUTY = "pagerduty", "PagerDuty"
        OPSGENIE = "opsgenie", "Opsgenie"
        ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
        GRAFANA = "grafana", "Grafana alerting"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alert_sources")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=100, help_text="e.g. Production Alertmanager.")
    secret_encrypted = models.TextField(editable=False)
    # The secret before the last rotation, still accepted until the time below.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    severity = models.CharField(
        "severity of new incidents",
        max_length=4,
        choices=Incident.Severity.choices,
        default=Incident.Severity.SEV3,
    )
    open_private = models.BooleanField(
        "open incidents as private",
        default=False,
        help_text="Incidents it opens are seen by the team only (and whoever is added later).",
    )
    service_label = models.CharField(
        "service label",
        max_length=100,
        default="service",
        help_text="The alert label naming the service (Alertmanager and Grafana).",
    )
    is_active = models.BooleanField("active", default=True)
    last_received_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["team__name", "name"]

    def __str__(self) -> str:
        return f"{self.team}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:detail", args=[self.pk])

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def secrets_accepted(self) -> list[str]:
        """Return the secret, and the one before it while the rotation's grace lasts."""
        accepted = [self.secret]
        if self.previous_secret_until and self.previous_secret_until > timezone.now():
            accepted.append(crypto.decrypt(self.previous_secret_encrypted))
        return [secret for secret in accepted if secret]


class AlertServiceRule(models.Model):
    """The sender's name for a service (PagerDuty service, Opsgenie entity, a label) is ours."""

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="service_rules")
    sender_name = models.CharField("sender's service name", max_length=200)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["sender_name"]
        constraints = [
            models.UniqueConstraint(
                "source",
                Lower("sender_name"),
                name="alert_service_rule_once",
                violation_error_message="This name is mapped already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender_name} → {self.service}"


class AlertLink(models.Model):
    """An incident an alert key (PagerDuty incident key, Opsgenie alias, group key) went to.

    A firing alert joins the open (not resolved) incident linked to its key, or opens one.
    """

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="links")
    key = models.CharField(max_length=255)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "key", "incident"], name="alert_link_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.incident_id}"


class AlertEvent(models.Model):
    """One fact an alert sender told: this alert was triggered (acknowledged…) at this time.

    `fact` is a digest of the key, the alert, the action and its time, unique per source: a
    replayed delivery, a sender's retry or Alertmanager's repeat of a group tells the same
    facts and adds nothing. Facts are applied in whatever order they come; each timeline
    entry carries the sender's own time, so the timeline reads in the order things happened.
    """

    class Action(models.TextChoices):
        TRIGGERED = "triggered", "Triggered"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ESCALATED = "escalated", "Escalated"
        RESOLVED = "resolved", "Resolved"

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="events")
    fact = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    alert_id = models.CharField(max_length=255)
    action = models.CharField(max_length=12, choices=Action.choices)
    occurred_at = models.DateTimeField()
    title = models.CharField(max_length=200, blank=True)
    # Kept when the incident is deleted, so that a replay does not open it again.
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="alert_events"
    )
    timeline_event = models.ForeignKey(
        TimelineEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why no timeline entry was written, when none was (a published postmortem, say).
    note = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "fact"], name="alert_fact_once")]
        indexes = [models.Index(fields=["source", "key", "alert_id"], name="alert_event_alert_idx")]

    def __str__(self) -> str:
        return f"{self.key} {self.action} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"
