"""A team's chat workspaces, who people are there, and which channel is an incident's."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core import crypto
from core.models import ChangeRecord, Delivery
from incidents.models import Incident, ReminderDelivery, Team
from notifications.models import Notification

SLACK_API_URL = "https://slack.com/api/"


class ChatConnection(models.Model):
    """A Slack workspace or a Mattermost server a team's incidents are talked about in.

    Secrets (the bot token; Slack's signing secret; Mattermost's slash command token) are
    stored encrypted with the trackers' keys (TRACKER_ENCRYPTION_KEYS) and never shown
    again once saved.
    """

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        MATTERMOST = "mattermost", "Mattermost"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="chat_connections")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(
        max_length=100, help_text="How people here call the workspace, e.g. Acme Slack."
    )
    # Slack: the workspace's team id (T…), which its slash commands carry as team_id.
    # Mattermost: the server's team id, which its slash commands carry as team_id.
    workspace_id = models.CharField("workspace or team ID", max_length=64, blank=True)
    # Mattermost's server (https://chat.example.com); empty for Slack.
    server_url = models.URLField("server URL", max_length=300, blank=True)
    bot_token_encrypted = models.TextField(editable=False)
    signing_secret_encrypted = models.TextField(editable=False, blank=True)
    command_token_encrypted = models.TextField(editable=False, blank=True)
    pin_reaction = models.CharField(
        "timeline reaction",
        max_length=64,
        default="pushpin",
        help_text="Messages with this reaction (without colons) are ticked for the timeline.",
    )
    # The team's channel for reminders and news of its incidents (chat.notify); never a
    # private incident's.
    notify_channel_id = models.CharField("team channel", max_length=64, blank=True)
    notify_channel_name = models.CharField(max_length=100, blank=True)
    notify_reminders = models.BooleanField(
        "post overdue action items", default=False,
        help_text="Each morning of the reminder sweep, the team's overdue items.",
    )  # fmt: skip
    notify_notifications = models.BooleanField(
        "post incident news", default=False,
        help_text="Incidents opened, postmortems submitted and published, action items added.",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "workspace_id"],
                condition=~models.Q(workspace_id=""),
                name="chat_workspace_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("chat:connection", args=[self.pk])

    @property
    def bot_token(self) -> str:
        return crypto.decrypt(self.bot_token_encrypted)

    def set_bot_token(self, token: str) -> None:
        self.bot_token_encrypted = crypto.encrypt(token)

    @property
    def signing_secret(self) -> str:
        return crypto.decrypt(self.signing_secret_encrypted)

    def set_signing_secret(self, secret: str) -> None:
        self.signing_secret_encrypted = crypto.encrypt(secret)

    @property
    def command_token(self) -> str:
        return crypto.decrypt(self.command_token_encrypted)

    def set_command_token(self, token: str) -> None:
        self.command_token_encrypted = crypto.encrypt(token)

    def last_failed_message(self):
        """Return the latest chat message that could not be posted (with its reason), if any."""
        return self.deliveries.filter(status=Delivery.Status.FAILED).order_by("-pk").first()


class ChatUserLink(models.Model):
    """Who one of our people is on a connection, found by e-mail and kept."""

    connection = models.ForeignKey(
        ChatConnection, on_delete=models.CASCADE, related_name="user_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_links"
    )
    chat_user_id = models.CharField(max_length=64)
    chat_username = models.CharField(max_length=100, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["connection", "chat_username"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "user"], name="chat_user_once"),
            models.UniqueConstraint(
                fields=["connection", "chat_user_id"], name="chat_user_id_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.chat_username or self.chat_user_id}"


class IncidentChannel(models.Model):
    """The channel an incident is talked about in, on one connection."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="chat_channels")
    connection = models.ForeignKey(
        ChatConnection, on_delete=models.CASCADE, related_name="incident_channels"
    )
    channel_id = models.CharField(max_length=64)
    channel_name = models.CharField(max_length=100, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "connection", "channel_id"], name="incident_channel_once"
            )
        ]
        indexes = [models.Index(fields=["connection", "channel_id"])]

    def __str__(self) -> str:
        return f"{self.incident.reference} in #{self.channel_name or self.channel_id}"


class ChatCommand(models.Model):
    """A /postmortem command taken in: answered at once, done by a worker, answered again.

    Made by the endpoint before anything else, once per (connection, command id), so a
    retried request or a task run twice (late acks) does the work once: the worker claims
    the row with a conditional UPDATE from `received`.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(
        ChatConnection, on_delete=models.CASCADE, related_name="commands"
    )
    command_id = models.CharField(max_length=200)  # Slack's and Mattermost's trigger_id
    chat_user_id = models.CharField(max_length=64)
    channel_id = models.CharField(max_length=64)
    channel_name = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    response_url = models.URLField(max_length=1000, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    answer = models.TextField(blank=True)
    answer_public = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "command_id"], name="chat_command_once")
        ]

    def __str__(self) -> str:
        return f"/postmortem {self.text[:40]} ({self.status})"


class ChatNotifyChoice(models.Model):
    """Where someone wants reminders and notifications: e-mail, a chat DM, or both.

    No row means e-mail for both. A choice of chat alone counts only while the person is
    linked on a connection of one of their teams; otherwise e-mail goes out as before.
    """

    class Via(models.TextChoices):
        EMAIL = "email", "E-mail"
        CHAT = "chat", "Chat direct message"
        BOTH = "both", "E-mail and chat"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_notify_choice"
    )
    reminders = models.CharField(max_length=5, choices=Via.choices, default=Via.EMAIL)
    notifications = models.CharField(max_length=5, choices=Via.choices, default=Via.EMAIL)

    def __str__(self) -> str:
        return f"{self.user}: reminders by {self.reminders}, notifications by {self.notifications}"


class ChatDelivery(Delivery):
    """One chat message owed: a DM of a reminder or a notification, or a team channel post.

    Made from the rows that say what is owed elsewhere (a ReminderDelivery, a Notification,
    an event's ChangeRecord, the sweep's day), once each by the unique constraints, and
    claimed with a token (core.deliveries) before posting, so it is posted once.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder by direct message"
        NOTIFICATION = "notification", "Notification by direct message"
        CHANNEL_REMINDERS = "channel_reminders", "Overdue items in the team channel"
        CHANNEL_EVENT = "channel_event", "Incident news in the team channel"

    connection = models.ForeignKey(
        ChatConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Direct messages: to whom, here and there.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="chat_deliveries",
    )  # fmt: skip
    chat_user_id = models.CharField(max_length=64, blank=True)
    # Channel posts: the channel, as set on the connection when the row was made.
    channel_id = models.CharField(max_length=64, blank=True)
    reminder = models.ForeignKey(
        ReminderDelivery, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    record = models.ForeignKey(
        ChangeRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    for_date = models.DateField(null=True, blank=True)
    message_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "chat deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["reminder"], condition=models.Q(reminder__isnull=False),
                name="chat_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["notification"], condition=models.Q(notification__isnull=False),
                name="chat_notification_once",
            ),
            models.UniqueConstraint(
                fields=["connection", "record"], condition=models.Q(record__isnull=False),
                name="chat_channel_event_once",
            ),
            models.UniqueConstraint(
                fields=["connection", "for_date"],
                condition=models.Q(kind="channel_reminders"),
                name="chat_channel_reminders_once",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["status", "created_at"], name="chat_delivery_owed_idx"),
            models.Index(fields=["connection", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.connection.name} ({self.status})"
