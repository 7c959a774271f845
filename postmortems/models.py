"""The postmortem document of an incident: its narrative, review and publication."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from incidents.models import Incident


class Postmortem(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    layout = models.CharField(
        max_length=30,
        default="classic",
        help_text="The section layout the document is rendered in.",
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="authored_postmortems", blank=True
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="postmortems_to_review", blank=True
    )
    resolution = MarkdownxField(blank=True, help_text="How service was restored.")
    trigger = MarkdownxField(blank=True, help_text="What set the incident off.")
    detection = MarkdownxField(blank=True, help_text="How the incident was noticed.")
    went_well = MarkdownxField("what went well", blank=True)
    went_wrong = MarkdownxField("what went wrong", blank=True)
    got_lucky = MarkdownxField("where we got lucky", blank=True)
    closing_remarks = MarkdownxField(blank=True)
    # Text from an imported document that matched no section; kept so nothing is lost.
    unplaced_text = MarkdownxField("other notes", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"Postmortem of {self.incident}"

    def get_absolute_url(self) -> str:
        return reverse("postmortems:document", args=[self.incident_id])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Review(models.Model):
    """A reviewer's comment or verdict on a postmortem."""

    class Decision(models.TextChoices):
        COMMENT = "comment", "Comment"
        APPROVE = "approve", "Approve"
        REQUEST_CHANGES = "request_changes", "Request changes"

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.COMMENT)
    body = MarkdownxField(blank=True)
    # The postmortem version reviewed, so an approval of an older text can be told apart.
    postmortem_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer}"


class PublishedVersion(models.Model):
    """The document as it was published: frozen so later edits never rewrite what was read.

    Each publication adds the next number. Versions made by the migration for postmortems
    published before versions existed start empty (`frozen_at` unset) and are filled from
    the live document, which is read-only while published, before anything can change it.
    """

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="published_versions",
    )
    layout = models.CharField(max_length=30, blank=True)
    html = models.TextField(blank=True, help_text="The rendered document, sanitized.")
    data = models.JSONField(default=dict, blank=True, help_text="The JSON export.")
    markdown = models.TextField(blank=True, help_text="The Markdown export.")
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "number"], name="one_published_version_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} of {self.postmortem}"

    def get_absolute_url(self) -> str:
        return reverse("postmortems:version", args=[self.postmortem.incident_id, self.number])


class CommentThread(models.Model):
    """A discussion anchored to a place in the postmortem: a section, an entry or an item.

    The section is a key string taken from the rendered document (`timeline`, `root-cause`,
    …), not a fixed list: layouts define their sections. A thread on a timeline entry or an
    action item names it too, and keeps the key of the section it sits in.
    """

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="threads")
    section = models.SlugField(max_length=60)
    timeline_event = models.ForeignKey(
        "incidents.TimelineEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comment_threads",
    )
    action_item = models.ForeignKey(
        "incidents.ActionItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comment_threads",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "comment thread"
        indexes = [models.Index(fields=["postmortem", "resolved_at"])]

    def __str__(self) -> str:
        return f"Thread on {self.anchor_label}"

    def get_absolute_url(self) -> str:
        return reverse("postmortems:review", args=[self.postmortem.incident_id]) + (
            f"#thread-{self.pk}"
        )

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def anchor_label(self) -> str:
        if self.timeline_event_id:
            return f"a timeline entry in {self.section}"
        if self.action_item_id:
            return f"an action item in {self.section}"
        return f"the {self.section.replace('-', ' ')} section"


class Comment(models.Model):
    """One message in a thread, in Markdown (sanitized when shown)."""

    thread = models.ForeignKey(CommentThread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = MarkdownxField(max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.thread.anchor_label}"

    def get_absolute_url(self) -> str:
        return reverse("postmortems:review", args=[self.thread.postmortem.incident_id]) + (
            f"#comment-{self.pk}"
        )
