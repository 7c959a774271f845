"""A team's tracker connection, who people are there, and every issue owed to a tracker."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.models import Delivery
from incidents.models import ActionItem, Team, TrackerIssue
from trackers import crypto

GITHUB_API_URL = "https://api.github.com"
REPOSITORY = RegexValidator(
    r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "Give the repository as owner/name, e.g. acme/web."
)
PROJECT_KEY = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,19}$", "Give the project key as Jira shows it, e.g. OPS."
)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class TrackerConnection(models.Model):
    """Where a team's action items become issues: one GitHub repository or Jira project.

    The token and the webhook secret are stored encrypted (trackers.crypto) and are never
    shown again once saved; forms, the admin, the API and exports leave them out.
    """

    Kind = TrackerIssue.Kind

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="tracker_connection")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    github_repository = models.CharField(
        "repository", max_length=200, blank=True, validators=[REPOSITORY]
    )
    # Another base for GitHub Enterprise Server (https://github.example.com/api/v3).
    github_api_url = models.URLField("GitHub API URL", max_length=300, default=GITHUB_API_URL)
    jira_site_url = models.URLField("Jira site URL", max_length=300, blank=True)
    jira_project_key = models.CharField(
        "project key", max_length=20, blank=True, validators=[PROJECT_KEY]
    )
    jira_email = models.EmailField("Jira account e-mail", blank=True)
    jira_issue_type = models.CharField("issue type", max_length=60, default="Task")
    token_encrypted = models.TextField(editable=False)
    webhook_secret_encrypted = models.TextField(editable=False)
    create_on_publish = models.BooleanField(
        "create issues when a postmortem is published",
        default=False,
        help_text="Every open action item without an issue gets one when its postmortem "
        "is published (never for private incidents).",
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=500, blank=True)
    # The high-water mark of reconcile: the tracker's own `updated` time of the newest
    # change it has seen, so the next pass asks only for what changed since (in the
    # tracker's clock, never ours).
    reconciled_through = models.DateTimeField(null=True, blank=True, editable=False)
    # The login of the token's own user (GET /user), learned once and forgotten with the
    # token: a retried create looks for its earlier copy among the issues that user made.
    github_token_login = models.CharField(max_length=39, blank=True, editable=False)
    # GitHub's id of the repository, which survives a rename or a transfer: a webhook
    # naming it under another full_name is the same repository, renamed.
    github_repository_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"{self.team}: {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("trackers:detail", args=[self.pk])

    @property
    def target(self) -> str:
        """Return what the connection points at: 'acme/web' or 'OPS on acme.atlassian.net'."""
        if self.kind == self.Kind.GITHUB:
            return self.github_repository
        host = self.jira_site_url.split("//", 1)[-1].rstrip("/")
        return f"{self.jira_project_key} on {host}"

    @property
    def token(self) -> str:
        return crypto.decrypt(self.token_encrypted)

    def set_token(self, token: str) -> None:
        self.token_encrypted = crypto.encrypt(token)
        self.github_token_login = ""  # another token may be another user

    @property
    def webhook_secret(self) -> str:
        return crypto.decrypt(self.webhook_secret_encrypted)

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(secret)


class TrackerAccount(models.Model):
    """Who a person is in the trackers, so issues are assigned to an action item's owner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracker_account"
    )
    github_login = models.CharField(
        "GitHub login",
        max_length=39,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]+$", "A GitHub login is letters, digits, -.")],
    )
    jira_account_id = models.CharField(
        "Jira account ID",
        max_length=128,
        blank=True,
        help_text="Found from your e-mail address when left empty.",
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.github_login or '-'} / {self.jira_account_id or '-'}"


class TrackerIssueCreation(Delivery):
    """One issue owed to a tracker for one action item: created once, whatever happens.

    Made before the call (and only once per item, so a double click asks nothing twice).
    The issue's body carries marker(), and a try after the first looks for it before
    creating, so a worker that died after the tracker made the issue never makes another.
    """

    action_item = models.OneToOneField(
        ActionItem, on_delete=models.CASCADE, related_name="tracker_issue_creation"
    )
    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="creations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="tracker_owed_idx")]

    def __str__(self) -> str:
        return f"issue for action item {self.action_item_id}: {self.status}"

    @property
    def marker(self) -> str:
        return marker_for(self.action_item_id)


def marker_for(item_id: int) -> str:
    """Return the text in an issue's body that names the action item it was made for."""
    return f"<!-- postmortems:item:{item_id} -->"


def jira_marker_label(item_id: int) -> str:
    """Return the Jira label naming the item: JQL finds labels exactly, unlike body text."""
    return f"postmortems-item-{item_id}"


class TrackerIssueUpdate(Delivery):
    """A state owed to an issue: the item was closed or reopened here, so is the issue.

    Made by the events consumer for changes people make (a change the tracker made is
    already there). Setting a state twice is harmless, so a retry needs no marker.
    """

    issue = models.ForeignKey(TrackerIssue, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="updates"
    )
    state = models.CharField(max_length=10, choices=TrackerIssue.State.choices)
    not_planned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="tracker_update_owed_idx")]

    def __str__(self) -> str:
        return f"{self.issue_id} to {self.state}: {self.status}"


class TrackerWebhookDelivery(models.Model):
    """A webhook delivery taken in, by the tracker's delivery id, so a replay is ignored.

    GitHub names each delivery in X-GitHub-Delivery and keeps the id when one is redelivered;
    Jira in X-Atlassian-Webhook-Identifier, the same across its retries. Kept a week.
    """

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    delivery_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"], name="tracker_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} for {self.connection_id}"


class TrackerRepositoryRename(models.Model):
    """A repository the connection pointed at was renamed or moved, and followed.

    Written when GitHub answered 301 for the old owner/name (or a signed webhook named the
    repository's id under a new name); the connection and its issues' keys were moved over.
    """

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="repository_renames"
    )
    old_name = models.CharField(max_length=200)
    new_name = models.CharField(max_length=200)
    issues_renamed = models.PositiveIntegerField(default=0)
    noticed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-noticed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_name} was renamed to {self.new_name}"


class GitHubLoginLookup(models.Model):
    """What GitHub's user search said about an e-mail, kept so each create does not ask.

    The search API allows 30 requests a minute: a login found is kept a week, an e-mail
    nobody has (login empty) a day, so a person who makes their e-mail public is found soon.
    """

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="login_lookups"
    )
    email = models.EmailField(max_length=254)  # lowercased
    login = models.CharField(max_length=39, blank=True)
    looked_up_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "email"], name="tracker_login_lookup_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.login or '-'}"
