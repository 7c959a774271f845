"""A team's Confluence space, the page each postmortem has there, and every page owed."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import crypto as secrets
from core.models import Delivery
from incidents.models import Team
from postmortems.models import Postmortem

SPACE_KEY = RegexValidator(
    r"^~?[A-Za-z0-9_-]{1,255}$", "Give the space key as Confluence shows it, e.g. ENG."
)
PAGE_ID = RegexValidator(r"^[0-9]{1,30}$", "A page ID is digits, e.g. 123456.")


class ConfluenceConnection(models.Model):
    """Where a team's published postmortems become pages: a parent page in a space.

    The API token is stored encrypted (core.crypto, with the trackers' keys) and never
    shown again once saved; forms, the admin and exports leave it out.
    """

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="confluence_connection"
    )
    site_url = models.URLField("Confluence site URL", max_length=300)
    email = models.EmailField("Atlassian account e-mail")
    token_encrypted = models.TextField(editable=False)
    space_key = models.CharField(max_length=255, validators=[SPACE_KEY])
    # Confluence's id of the space, learned from its key (GET /spaces?keys=…).
    space_id = models.CharField(max_length=30, blank=True, editable=False)
    parent_page_id = models.CharField("parent page ID", max_length=30, validators=[PAGE_ID])
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_message = models.CharField(max_length=500, blank=True)
    # What Confluence said about the last page that failed, until a page goes out again.
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
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
        return reverse("confluence:detail", args=[self.pk])

    @property
    def target(self) -> str:
        """Return where pages go: 'ENG on acme.atlassian.net'."""
        host = self.site_url.split("//", 1)[-1].rstrip("/")
        return f"{self.space_key} on {host}"

    @property
    def api_url(self) -> str:
        return f"{self.site_url.rstrip('/')}/wiki/api/v2"

    @property
    def token(self) -> str:
        return secrets.decrypt(self.token_encrypted)

    def set_token(self, token: str) -> None:
        self.token_encrypted = secrets.encrypt(token)


class ConfluencePage(models.Model):
    """The page a postmortem has in Confluence, and what of ours it shows.

    page_id is kept as soon as Confluence names it, so every later publication updates the
    same page. Withdrawn (the incident was made private) means the page was deleted there.
    """

    postmortem = models.OneToOneField(
        Postmortem, on_delete=models.CASCADE, related_name="confluence_page"
    )
    connection = models.ForeignKey(
        ConfluenceConnection, on_delete=models.CASCADE, related_name="pages"
    )
    page_id = models.CharField(max_length=30, blank=True)
    title = models.CharField(max_length=255, blank=True)
    # Confluence's version number of the page after our last write.
    page_version = models.PositiveIntegerField(default=0)
    # The number of our PublishedVersion the page shows.
    published_version = models.PositiveIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.postmortem}: page {self.page_id or '-'}"

    @property
    def is_live(self) -> bool:
        return bool(self.page_id) and self.withdrawn_at is None


class ConfluenceDelivery(Delivery):
    """One page owed to Confluence for one postmortem: published (made or updated), or
    withdrawn (deleted there, as its incident was made private).

    Made after commit by the events consumer or the "Publish to Confluence now" button,
    at most one owed per postmortem and action, so a double click asks nothing twice.
    """

    class Action(models.TextChoices):
        PUBLISH = "publish", "Publish"
        WITHDRAW = "withdraw", "Withdraw"

    connection = models.ForeignKey(
        ConfluenceConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="confluence_deliveries"
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.PUBLISH)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What Confluence said on the last failed try, for people (last_error is for the admin).
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="confluence_owed_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "action"],
                condition=Q(status__in=["pending", "sending"]),
                name="confluence_one_owed_per_postmortem",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.postmortem_id}: {self.status}"
