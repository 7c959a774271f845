"""Action items, the follow-up work of an incident, and their issues in teams' trackers."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from markdownx.models import MarkdownxField

from incidents.models.incident import Incident, rows_visible_to, visibility_condition
from incidents.models.times import started_between


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActionItemQuerySet":
        """Return the items of the incidents the user may see."""
        return rows_visible_to(self, user, incident="incident__")

    def owner_out_of_sight(self) -> "ActionItemQuerySet":
        """Return the items whose owner may not see their incident (a private one)."""
        # Asked as "not among the items whose owner may see it": negating the rule itself
        # would read a NULL commander as "unknown" and lose those rows.
        seen = ActionItem.objects.filter(visibility_condition("owner_id", incident="incident__"))
        return self.filter(owner__isnull=False).exclude(pk__in=seen.values("pk"))

    def of_incidents_started_between(
        self, start: date | None = None, end: date | None = None
    ) -> "ActionItemQuerySet":
        """Return items of incidents that started on the days from start to end, both included."""
        return self.filter(started_between(start, end, field="incident__started_at"))

    def open(self) -> "ActionItemQuerySet":
        """Return items still to be done: open or in progress."""
        return self.filter(status__in=ActionItem.OPEN_STATUSES)

    def overdue(self, today: date) -> "ActionItemQuerySet":
        """Return open items whose due date is before today."""
        return self.open().filter(due_date__lt=today)

    def due_within(self, today: date, days: int) -> "ActionItemQuerySet":
        """Return open items due from today up to and including today + days."""
        return self.open().filter(due_date__gte=today, due_date__lte=today + timedelta(days=days))

    def closed_in_tracker(self) -> "ActionItemQuerySet":
        """Return items still open here whose tracker issue is closed."""
        return self.open().filter(tracker_issue__state=TrackerIssue.State.CLOSED)

    def with_tracker_issue(self) -> "ActionItemQuerySet":
        """Return items linked to an issue that exists in its tracker."""
        return self.filter(tracker_issue__state__in=TrackerIssue.LINKED_STATES)

    def without_tracker_issue(self) -> "ActionItemQuerySet":
        """Return items with no issue in a tracker yet (none asked for, or not created)."""
        return self.exclude(tracker_issue__state__in=TrackerIssue.LINKED_STATES)


class ActionItem(models.Model):
    class Kind(models.TextChoices):
        PREVENT = "prevent", "Prevent"
        DETECT = "detect", "Detect"
        MITIGATE = "mitigate", "Mitigate"
        PROCESS = "process", "Process"
        DOCUMENTATION = "documentation", "Documentation"

    class Priority(models.TextChoices):
        P1 = "P1", "P1 – urgent"
        P2 = "P2", "P2 – high"
        P3 = "P3", "P3 – normal"
        P4 = "P4", "P4 – low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont_do", "Won't do"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    # Kinds that fix, contain or catch a cause; process and documentation items alone do not
    # keep a root cause from happening again.
    CORRECTIVE_KINDS = (Kind.PREVENT, Kind.MITIGATE, Kind.DETECT)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    description = MarkdownxField(blank=True)
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.PREVENT)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    tracker_url = models.URLField("external tracker link", blank=True)
    causes = models.ManyToManyField(
        # By name: causes.py imports this module (its queries ask for corrective items).
        "Cause",
        related_name="action_items",
        blank=True,
        help_text="The causes of the same incident this item addresses.",
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["owner", "status", "due_date"]),
            models.Index(fields=["kind", "due_date"]),
            models.Index(fields=["priority", "due_date"]),
            # The board's order (due date, then id): a page of it is read off the index
            # even when thousands of items share a due date or have none.
            models.Index(fields=["due_date", "id"], name="action_item_board_order"),
            models.Index(fields=["created_at"]),
            models.Index(fields=["completed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status__in=["done", "wont_do"]) & Q(completed_at__isnull=False))
                | (Q(status__in=["open", "in_progress"]) & Q(completed_at__isnull=True)),
                name="action_item_completed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # completed_at follows status whatever path changed the status (forms, admin),
        # and the database constraint backs this up.
        self.set_status(self.status, at=self.completed_at)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.incident.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        """Return the id of the item's place on its incident's page."""
        return f"action-item-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def tracker_issue_or_none(self) -> "TrackerIssue | None":
        """Return the item's tracker issue, or None (select_related it for lists)."""
        try:
            return self.tracker_issue
        except TrackerIssue.DoesNotExist:
            return None

    def days_overdue(self, today: date) -> int:
        """Return how many days past due the item is, 0 when not overdue or closed."""
        if not self.is_open or self.due_date is None or self.due_date >= today:
            return 0
        return (today - self.due_date).days

    def set_status(self, status: str, *, at: datetime | None = None) -> None:
        """Change the status and keep completed_at in step with it."""
        self.status = status
        if self.is_open:
            self.completed_at = None
        elif self.completed_at is None:
            self.completed_at = at or timezone.now()


class TrackerIssueQuerySet(models.QuerySet):
    def linked(self) -> "TrackerIssueQuerySet":
        """Return issues that exist in their tracker (created or linked)."""
        return self.filter(state__in=TrackerIssue.LINKED_STATES)


class TrackerIssue(models.Model):
    """The issue in a team's tracker (GitHub Issues, Jira) where an action item's work is done.

    Facts only, kept here so that the board, the CSV, reminders and the document can show
    them without knowing the trackers app, which writes them: it creates or links the issue
    and keeps state and assignee in step from the tracker's webhooks and a reconcile sweep.
    """

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub"
        JIRA = "jira", "Jira"

    class State(models.TextChoices):
        CREATING = "creating", "Being created"
        FAILED = "failed", "Could not be created"
        UNCHECKED = "unchecked", "Linked, not checked yet"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        # The issue is no longer where it was linked: no longer kept in step.
        DELETED = "deleted", "Deleted in the tracker"
        MOVED = "moved", "Moved elsewhere"

    LINKED_STATES = (State.UNCHECKED, State.OPEN, State.CLOSED)

    action_item = models.OneToOneField(
        ActionItem, on_delete=models.CASCADE, related_name="tracker_issue"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # owner/repo#123 on GitHub, ABC-123 on Jira; empty while it is being created.
    key = models.CharField(max_length=200, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATING)
    assignee = models.CharField(max_length=200, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # Why the last call about this issue failed, shown on the item with a retry button.
    last_error = models.CharField(max_length=500, blank=True)
    # The tracker's validator of the last answer (GitHub's ETag), for conditional requests.
    etag = models.CharField(max_length=200, blank=True)
    # When the tracker last changed the issue, by its clock: a webhook or answer older than
    # this (a late or replayed delivery) must not overwrite the newer state we hold.
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    # What the tracker did not take when the app made the issue (its assignee, its labels)
    # and why; kept on the item until the item is linked to another issue.
    creation_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TrackerIssueQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["kind", "key"]),
            models.Index(fields=["state", "synced_at"]),
        ]

    def __str__(self) -> str:
        return self.key or f"{self.get_kind_display()} issue of item {self.action_item_id}"

    @property
    def is_linked(self) -> bool:
        return self.state in self.LINKED_STATES

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED

    @property
    def is_gone(self) -> bool:
        """Return whether the issue was deleted or moved away in its tracker."""
        return self.state in (self.State.DELETED, self.State.MOVED)
