"""Endpoints that teams register, and every signed message owed to one of them."""

import base64
import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import ChangeRecord, Delivery
from incidents.models import Team


class WebhookEvent(models.TextChoices):
    """What an endpoint can ask to be told about; the `type` of each payload."""

    INCIDENT_CREATED = "incident.created", "Incident created"
    INCIDENT_UPDATED = "incident.updated", "Incident updated"
    INCIDENT_RESOLVED = "incident.resolved", "Incident resolved"
    TIMELINE_EVENT_CREATED = "timeline_event.created", "Timeline event added"
    POSTMORTEM_SUBMITTED = "postmortem.submitted", "Postmortem submitted for review"
    POSTMORTEM_APPROVED = "postmortem.approved", "Postmortem approved"
    POSTMORTEM_PUBLISHED = "postmortem.published", "Postmortem published"
    ACTION_ITEM_CREATED = "action_item.created", "Action item created"
    ACTION_ITEM_UPDATED = "action_item.updated", "Action item updated"
    ACTION_ITEM_DONE = "action_item.done", "Action item done"
    ACTION_ITEM_OVERDUE = "action_item.overdue", "Action item overdue"


def new_secret() -> str:
    """Return a Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A URL of a team's that is sent the events it chose, signed with its own secret."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500)
    # Kept in clear text: signing needs it, and the team's managers may read it again.
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    events = models.JSONField(default=list, help_text="Names of WebhookEvent values.")
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Set at the first failed try after a success, with the count of failed tries since; an
    # endpoint still failing WEBHOOK_DISABLE_AFTER_HOURS later, after at least
    # WEBHOOK_DISABLE_AFTER_FAILURES tries, is disabled.
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "url", "id"]
        indexes = [models.Index(fields=["team", "is_active"])]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", args=[self.pk])

    def event_labels(self) -> list[str]:
        return [WebhookEvent(name).label for name in self.events if name in WebhookEvent.values]


class WebhookDelivery(Delivery):
    """One event owed to one endpoint: claimed before each try, so it is sent once.

    webhook_id is fixed when the row is made: a retry, a resend after a worker crash and a
    replay from the page all carry it, so a receiver can drop the copies.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    record = models.ForeignKey(
        ChangeRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    webhook_id = models.CharField(max_length=40, default=new_webhook_id)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    # Set for events no change records (action_item.overdue): the object and the day.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    for_date = models.DateField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "record", "event_type"],
                condition=Q(replay_of__isnull=True, record__isnull=False),
                name="one_webhook_per_endpoint_event",
            ),
            models.UniqueConstraint(
                fields=["endpoint", "event_type", "object_id", "for_date"],
                condition=Q(replay_of__isnull=True, for_date__isnull=False),
                name="one_webhook_per_endpoint_object_day",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webhook_owed_idx"),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id} to {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the endpoint answered, or why it could not be asked."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempts_made"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, help_text="The first 1 KB of the body.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class EndpointDisabledEmail(Delivery):
    """The e-mail telling a team's manager that an endpoint was disabled, owed until sent.

    Written in the same transaction that disables the endpoint, so the news is not lost to
    a crash or a broker outage; a worker sends it (webhooks.tasks), skipping it when the
    endpoint was enabled again meanwhile.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="disabled_emails"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_disabled_owed_idx")]

    def __str__(self) -> str:
        return f"Endpoint {self.endpoint_id} disabled, to {self.recipient}"
