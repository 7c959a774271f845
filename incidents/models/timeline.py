"""What happened during an incident, minute by minute."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from markdownx.models import MarkdownxField

from incidents.models.incident import Incident


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        DETECTION = "detection", "Detection"
        ESCALATION = "escalation", "Escalation"
        INVESTIGATION = "investigation", "Investigation"
        HYPOTHESIS = "hypothesis", "Hypothesis"
        ACTION = "action", "Action"
        MITIGATION = "mitigation", "Mitigation"
        RESOLUTION = "resolution", "Resolution"
        COMMUNICATION = "communication", "Communication"
        OTHER = "other", "Other"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline_events")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.OTHER)
    description = MarkdownxField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_dead_end = models.BooleanField(
        "dead end",
        default=False,
        help_text="A debugging path that did not lead to the cause.",
    )
    # Where the entry came from: a chat message's permalink, kept when it was imported.
    source_url = models.URLField("source", max_length=500, blank=True)
    # Orders events that share a minute; lower comes first.
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every edit; a stale version means someone else saved this event first.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["occurred_at", "position", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at"])]
        constraints = [
            # One entry per chat message: importing it again finds the first.
            models.UniqueConstraint(
                fields=["incident", "source_url"],
                condition=~models.Q(source_url=""),
                name="timeline_source_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def clean(self) -> None:
        incident = self.incident if self.incident_id else None
        if incident is None or self.occurred_at is None or incident.started_at is None:
            return
        # Events before the start are allowed (the trigger often predates detection),
        # but not days away from the incident: that is nearly always a typo in the date.
        window_start = incident.started_at - timedelta(days=1)
        window_end = (incident.resolved_at or timezone.now()) + timedelta(days=1)
        if not window_start <= self.occurred_at <= window_end:
            raise ValidationError(
                {"occurred_at": "This time is more than a day outside the incident's window."}
            )
