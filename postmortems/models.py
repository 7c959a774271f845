"""The postmortem document of an incident: its template, narrative, review and publication."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from incidents.models import Incident, Team


class SectionKind(models.TextChoices):
    """What a section holds: free text, or a part rendered from the incident's data."""

    MARKDOWN = "markdown", "Free text (Markdown)"
    SUMMARY = "summary", "Summary (with duration and impact)"
    IMPACT = "impact", "Impact"
    DURATION = "duration", "Duration"
    CAUSES = "causes", "Root cause and contributing factors"
    TIMELINE = "timeline", "Timeline"
    ACTION_ITEMS = "action_items", "Action items"
    RESOLUTION = "resolution", "Resolution (text, or the causes' resolutions)"


# Kinds whose text the author writes in the section itself (resolution falls back to the
# causes' resolutions when left empty); the others come from the incident.
WRITTEN_KINDS = {SectionKind.MARKDOWN, SectionKind.RESOLUTION}


class PostmortemTemplate(models.Model):
    """An ordered list of sections a postmortem is written in; a team may make its own."""

    class Style(models.TextChoices):
        # How headings and the structured parts look. The two built-in templates keep the
        # exact look of the documents written before templates existed.
        STANDARD = "standard", "Standard"
        CLASSIC = "classic", "Classic (the example postmortem)"
        SRE = "sre", "Google SRE"

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postmortem_templates",
        help_text="The team that uses it; empty for everyone.",
    )
    style = models.CharField(max_length=10, choices=Style.choices, default=Style.STANDARD)
    built_in = models.BooleanField(default=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-built_in", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="postmortem_template_name_unique",
                violation_error_message="A template of that name exists; pick another name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("postmortems:template_edit", args=[self.pk])

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class TemplateSection(models.Model):
    """One section of a template, in its place."""

    template = models.ForeignKey(
        PostmortemTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    # Stable across title edits: postmortem sections, exports and comments refer to it.
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=100)
    help_text = models.TextField(
        blank=True, help_text="The prompt shown to the author, e.g. 'What did the customer see?'"
    )
    required = models.BooleanField(
        default=False, help_text="Must be written before the postmortem goes to review."
    )
    kind = models.CharField(
        max_length=20, choices=SectionKind.choices, default=SectionKind.MARKDOWN
    )
    group = models.CharField(
        max_length=100,
        blank=True,
        help_text="Neighbouring sections with the same group sit under one heading.",
    )
    synonyms = models.CharField(
        max_length=500,
        blank=True,
        help_text="Other headings that mean this section when importing, comma-separated.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="template_section_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template}: {self.title}"

    @property
    def synonym_list(self) -> list[str]:
        return [name.strip() for name in self.synonyms.split(",") if name.strip()]


class TemplateChange(models.Model):
    """One edit of a template: who made it, when, and what changed, in words.

    Templates belong to no incident, so their history is kept here rather than in the
    incidents' change records.
    """

    template = models.ForeignKey(
        PostmortemTemplate, on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Lines such as 'Section “Impact” renamed to “Customer impact”'.
    lines = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.template}: {'; '.join(self.lines)}"


class TeamTemplateDefault(models.Model):
    """The template a team's new incidents are written in.

    Kept on this side: a field on Team would make the incidents app depend on this one.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="template_default")
    template = models.ForeignKey(
        PostmortemTemplate, on_delete=models.CASCADE, related_name="team_defaults"
    )

    def __str__(self) -> str:
        return f"{self.team}: {self.template}"


class Postmortem(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    template = models.ForeignKey(
        PostmortemTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postmortems",
        help_text="The sections the document is written in.",
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="authored_postmortems", blank=True
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="postmortems_to_review", blank=True
    )
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

    def section_body(self, key: str) -> str:
        """Return the text of the section with this key ('' when it has none)."""
        return next((s.body for s in self.sections.all() if s.key == key), "")


class PostmortemSection(models.Model):
    """The postmortem's own copy of a section: its text, and the title and place it had.

    A published postmortem renders from these rows alone, so editing its template later
    cannot change it. A section its template no longer has is kept (in_template False).
    """

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=100)
    kind = models.CharField(
        max_length=20, choices=SectionKind.choices, default=SectionKind.MARKDOWN
    )
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    group = models.CharField(max_length=100, blank=True)
    position = models.PositiveIntegerField(default=0)
    body = MarkdownxField(blank=True)
    in_template = models.BooleanField(default=True)

    class Meta:
        ordering = ["postmortem", "-in_template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "key"], name="postmortem_section_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.postmortem}: {self.title}"

    @property
    def is_written(self) -> bool:
        return bool(self.body.strip())


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
