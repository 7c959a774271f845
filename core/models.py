"""The outbox (ChangeRecord, EventHandling) and the owed-delivery row every app builds on.

The tables kept the names they had when these models lived in the incidents app.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

EVENT_NAME = RegexValidator(
    r"^[a-z_]+\.[a-z_]+$", "Name events as 'object.what_happened', e.g. action_item.created."
)


class ChangeRecord(models.Model):
    """One change to an incident or anything on it: the event consumers react to.

    Written in the same transaction as the change it describes, so that a change and its
    record exist together or not at all. The history shows these; consumers (reminders,
    later webhooks and notifications) read them after commit, see core.events.
    """

    class Action(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        DELETED = "deleted", "deleted"
        STATUS = "status", "changed the status of"

    # By name: the incident domain builds on this app, never the reverse.
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="changes"
    )
    event = models.CharField(max_length=60, validators=[EVENT_NAME])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    # What the change concerns: its type and id, and how it read at the time.
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    # {"field": [old, new]} with values as display text, for people.
    changes = models.JSONField(default=dict, blank=True)
    # {"field": [old, new]} with raw values (ids, ISO dates), for consumers.
    values = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "incidents_changerecord"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "-created_at"]),
            models.Index(fields=["event"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.object_type} {self.object_repr}"


class EventHandling(models.Model):
    """One consumer's progress on one event: pending until handled, then done, once.

    Written with the event, in the same transaction, for every consumer subscribed to the
    event's name; a worker marks it done in the same transaction as the consumer's own
    writes, so an event is handled once whatever crashes in between.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    consumer = models.CharField(max_length=60)
    record = models.ForeignKey(ChangeRecord, on_delete=models.CASCADE, related_name="handlings")
    # Copied from the record so that per-incident order is one index scan away.
    incident_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "incidents_eventhandling"
        ordering = ["record_id"]
        constraints = [
            models.UniqueConstraint(fields=["consumer", "record"], name="one_handling_per_event"),
        ]
        indexes = [
            models.Index(fields=["consumer", "status", "record"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} on {self.record_id}: {self.status}"


class Delivery(models.Model):
    """One outgoing message (email, later webhook or tracker call), owed until it is sent.

    The database says what is owed; the broker only carries a nudge. A worker claims the row
    with a conditional UPDATE that sets a fresh claim token, and every later change of the
    row is guarded by that token, so a worker whose claim went stale and was taken over
    cannot mark or resend it. core.deliveries re-enqueues rows whose nudge was lost.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped: nothing left to send"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    # Set when a failed try is handed back: recovery leaves the row to its retry until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True
