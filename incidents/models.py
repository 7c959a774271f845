"""Incidents and what hangs off them: timeline, causes, action items, history, reminders."""

import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from core.models import Delivery
from core.visibility import private_incidents_seen
from core.zones import zone_or_none


def validate_time_zone(value: str) -> None:
    """Reject names that are not in the IANA time zone database."""
    if zone_or_none(value) is None:
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as Europe/Berlin.",
            params={"value": value},
        )


def zone_label(zone_name: str) -> str:
    """Return how people write a zone: 'GMT+2' for Etc/GMT-2, else the IANA name."""
    if zone_name.startswith("Etc/GMT") and len(zone_name) > len("Etc/GMT"):
        offset = zone_name.removeprefix("Etc/GMT")
        # IANA inverts the sign of the Etc/GMT zones.
        return f"GMT{'+' if offset.startswith('-') else '-'}{offset[1:]}"
    if zone_name in {"UTC", "Etc/UTC", "GMT", "Etc/GMT"}:
        return "UTC"
    return zone_name


def duration_text(value: timedelta | None) -> str:
    """Show a timedelta as '4 hours', '1 hour 5 minutes', '2 days 3 hours' or '45 minutes'."""
    if value is None:
        return "—"
    total_minutes = int(value.total_seconds() // 60)
    if total_minutes < 0:
        return "—"
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts) or "0 minutes"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    require_resolved_threads = models.BooleanField(
        "require resolved threads before review",
        default=False,
        help_text="Refuse to submit a postmortem for review while a comment thread is open.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    name = models.CharField(max_length=100, unique=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A label shared by incidents and causes; managers rename and merge them (tags page)."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Database" and "database" are one tag: pickers match names in any case.
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_any_case",
                violation_error_message="A tag with this name exists already.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using the app, with display and reminder preferences."""

    class ReminderFrequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly (Mondays)"
        NEVER = "never", "Never"

    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Times outside an incident are shown in this zone.",
    )
    reminder_frequency = models.CharField(
        max_length=10, choices=ReminderFrequency.choices, default=ReminderFrequency.DAILY
    )
    # The secret in the user's private calendar feed URL; replacing it revokes the old URL.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def day_start(day: date) -> datetime:
    """Return the first instant of a day in the current time zone.

    Date filters compare a timestamp column with instants like this one instead of taking
    the column's date, so that the column's index can serve them.
    """
    return timezone.make_aware(datetime.combine(day, time.min))


def _instant_or_none(day: date) -> datetime | None:
    """Return day_start(day), or None when that instant lies beyond what a datetime holds."""
    try:
        return day_start(day).astimezone(UTC)
    except OverflowError:  # 0001-01-01 in Tokyo, or the day after 9999-12-31
        return None


def started_between(start: date | None, end: date | None, *, field: str = "started_at") -> Q:
    """Return a condition for incidents started on or after start and on or before end.

    A bound at the very ends of the calendar excludes nothing, so it is left out.
    """
    condition = Q()
    lower = _instant_or_none(start) if start else None
    if lower:
        condition &= Q(**{f"{field}__gte": lower})
    upper = _instant_or_none(end + timedelta(days=1)) if end and end < date.max else None
    if upper:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def visibility_condition(user: int | str, *, incident: str = "") -> Q:
    """Return a condition that holds where the user may see the incident.

    This is the one place the rule lives. Anyone sees an incident that is not private; a
    private one is seen by superusers, the people and the members (and managers) of the
    teams it lists, its commander, its creator, and its postmortem's authors and reviewers.

    `user` is a user's id, or the name of a field of the queried model that holds one
    (``"owner_id"`` to ask whether each item's owner may see it). `incident` is the path
    from the queried model to the incident, ``"incident__"`` for rows of an incident.
    """
    here = F(user) if isinstance(user, str) else user
    there = OuterRef(user) if isinstance(user, str) else user
    incident_pk = OuterRef(f"{incident}pk")
    condition = (
        Q(**{f"{incident}is_private": False})
        | Q(**{f"{incident}commander_id": here})
        | Q(**{f"{incident}created_by_id": here})
        | Exists(
            Incident.allowed_users.through.objects.filter(incident_id=incident_pk, user_id=there)
        )
        | Exists(
            Incident.allowed_teams.through.objects.filter(
                Q(team__members=there) | Q(team__manager_id=there), incident_id=incident_pk
            )
        )
        # Through the reverse relations, so that this app needs no import of postmortems.
        | Exists(User.objects.filter(pk=there, authored_postmortems__incident_id=incident_pk))
        | Exists(User.objects.filter(pk=there, postmortems_to_review__incident_id=incident_pk))
    )
    return condition | Exists(User.objects.filter(pk=there, is_superuser=True))


def rows_visible_to(queryset: models.QuerySet, user, *, incident: str) -> models.QuerySet:
    """Return the rows of the queryset whose incident (at path `incident`) the user may see.

    For models without a visible_to of their own: timeline events, causes, postmortems and
    reviews (`incident="postmortem__incident__"`).
    """
    return _visible_to(queryset, user, incident)


def private_incident_ids(user_id: int) -> models.QuerySet:
    """Return the ids of the private incidents the user may see (core.visibility keeps them)."""
    ids = Incident.objects.filter(visibility_condition(user_id), is_private=True)
    return ids.values_list("pk", flat=True)


def _visible_to(queryset: models.QuerySet, user, incident: str) -> models.QuerySet:
    if not user.is_authenticated:
        return queryset.filter(**{f"{incident}is_private": False})
    if user.is_superuser:
        return queryset
    private = private_incidents_seen(user)
    if private is not None:
        # "Not one of the private incidents hidden from them", asked by the query itself so
        # that an incident made private a moment ago is hidden too. It needs no join with
        # the incidents: the board counts 100,000 items without reading one incident.
        hidden = Incident.objects.filter(is_private=True).exclude(pk__in=sorted(private))
        return queryset.exclude(**{f"{incident}pk__in": hidden.values("pk")})
    return queryset.filter(visibility_condition(user.pk, incident=incident))


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IncidentQuerySet":
        """Return the incidents the user may see; for anyone else a private one does not exist."""
        return _visible_to(self, user, "")

    def with_people(self) -> "IncidentQuerySet":
        return self.select_related("commander", "team")

    def started_between(
        self, start: date | None = None, end: date | None = None
    ) -> "IncidentQuerySet":
        """Return incidents that started on the days from start to end, both included."""
        return self.filter(started_between(start, end))


class Incident(models.Model):
    class Severity(models.TextChoices):
        SEV1 = "SEV1", "SEV1 – critical: full outage or data loss for many users"
        SEV2 = "SEV2", "SEV2 – major: a core feature is down or badly degraded"
        SEV3 = "SEV3", "SEV3 – minor: partial degradation with a workaround"
        SEV4 = "SEV4", "SEV4 – low: cosmetic or internal impact only"

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Identified"
        MONITORING = "monitoring", "Monitoring"
        RESOLVED = "resolved", "Resolved"

    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.INVESTIGATING)
    started_at = models.DateTimeField()
    detected_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA time zone the incident's times are shown in, e.g. Africa/Cairo.",
    )
    summary = MarkdownxField(blank=True)
    impact = MarkdownxField(blank=True)
    users_affected = models.CharField(max_length=200, blank=True)
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    services = models.ManyToManyField(Service, related_name="incidents", blank=True)
    tags = models.ManyToManyField(Tag, related_name="incidents", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save through a service; a stale version means someone else saved first.
    version = models.PositiveIntegerField(default=1)
    is_private = models.BooleanField(
        "private",
        default=False,
        help_text="Only the people and teams below, the commander, the creator and the "
        "postmortem's authors and reviewers may see it.",
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="private_incidents",
        blank=True,
        verbose_name="people who may see it",
    )
    allowed_teams = models.ManyToManyField(
        Team, related_name="private_incidents", blank=True, verbose_name="teams who may see it"
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["started_at"]),
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["severity", "started_at"]),
            # Every page asks which incidents are private (_visible_to): they are few.
            models.Index(fields=["id"], condition=Q(is_private=True), name="incident_private_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="incident_resolved_has_resolved_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}" if self.pk else "INC-new"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def zone_label(self) -> str:
        return zone_label(self.time_zone)

    def local(self, moment: datetime | None) -> datetime | None:
        """Return the moment in the incident's own time zone."""
        return moment.astimezone(self.zone) if moment else None

    def _since_start(self, moment: datetime | None) -> timedelta | None:
        if moment is None or self.started_at is None:
            return None
        return moment - self.started_at

    @property
    def duration(self) -> timedelta | None:
        """Return the time from start to resolution; aware datetimes make this DST-safe."""
        return self._since_start(self.resolved_at)

    @property
    def time_to_detect(self) -> timedelta | None:
        return self._since_start(self.detected_at)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self._since_start(self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.duration

    def clean(self) -> None:
        errors: dict[str, str] = {}
        previous_name, previous = "started_at", self.started_at
        for name in ("detected_at", "mitigated_at", "resolved_at"):
            moment = getattr(self, name)
            if moment is None:
                continue
            if previous is not None and moment < previous:
                label = self._meta.get_field(previous_name).verbose_name
                errors[name] = f"Must not be before {label}."
            previous_name, previous = name, moment
        if self.status == self.Status.RESOLVED and self.resolved_at is None:
            errors["resolved_at"] = "A resolved incident needs the time it was resolved."
        if errors:
            raise ValidationError(errors)


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
    # Orders events that share a minute; lower comes first.
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every edit; a stale version means someone else saved this event first.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["occurred_at", "position", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at"])]

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


class CauseQuerySet(models.QuerySet):
    def without_corrective_action(self) -> "CauseQuerySet":
        """Return root causes that no corrective or preventive action item addresses.

        An item counts when its kind is in ActionItem.CORRECTIVE_KINDS and it is not
        marked "won't do": a dropped item fixes nothing.
        """
        corrective = ActionItem.objects.filter(
            causes=models.OuterRef("pk"), kind__in=ActionItem.CORRECTIVE_KINDS
        ).exclude(status=ActionItem.Status.WONT_DO)
        return self.filter(role=Cause.Role.ROOT).exclude(models.Exists(corrective))


class Cause(models.Model):
    class Category(models.TextChoices):
        CONFIGURATION = "configuration", "Configuration"
        CODE_CHANGE = "code_change", "Code change"
        CAPACITY = "capacity", "Capacity"
        DEPENDENCY = "dependency", "Dependency"
        INFRASTRUCTURE = "infrastructure", "Infrastructure"
        PROCESS = "process", "Process"
        HUMAN_FACTORS = "human_factors", "Human factors"
        UNKNOWN = "unknown", "Unknown"

    class Role(models.TextChoices):
        ROOT = "root", "Root cause"
        CONTRIBUTING = "contributing", "Contributing factor"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.UNKNOWN)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.ROOT)
    description = MarkdownxField()
    resolution = MarkdownxField(blank=True, help_text="How this cause was resolved.")
    tags = models.ManyToManyField(Tag, related_name="causes", blank=True)
    position = models.PositiveIntegerField(default=0)
    # Bumped on every edit; a stale version means someone else saved this cause first.
    version = models.PositiveIntegerField(default=1)

    objects = CauseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.get_category_display()}"

    @property
    def is_root(self) -> bool:
        return self.role == self.Role.ROOT

    @property
    def label(self) -> str:
        """Return a short name for pickers and history: the first words of the description."""
        text = " ".join(self.description.split()) or self.get_category_display()
        return text if len(text) <= 70 else text[:69].rstrip() + "…"

    @property
    def needs_corrective_action(self) -> bool:
        """Return True for a root cause that no corrective or preventive item addresses.

        Reads the prefetched action_items; see CauseQuerySet.without_corrective_action.
        """
        return self.is_root and not any(
            item.kind in ActionItem.CORRECTIVE_KINDS and item.status != ActionItem.Status.WONT_DO
            for item in self.action_items.all()
        )


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ActionItemQuerySet":
        """Return the items of the incidents the user may see."""
        return _visible_to(self, user, "incident__")

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
        Cause,
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
        return f"{self.incident.get_absolute_url()}#action-item-{self.pk}"

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


class ReminderDelivery(Delivery):
    """One email to one person for one day: claimed before sending, so it goes out once."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Owner digest"
        ESCALATION = "escalation", "Manager escalation"
        ASSIGNMENT = "assignment", "Assignment notice"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    for_date = models.DateField()
    action_item = models.ForeignKey(
        ActionItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_notices",
        help_text="Set for assignment notices only.",
    )
    item_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-for_date", "-id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "for_date"],
                condition=Q(action_item__isnull=True),
                name="one_reminder_per_recipient_kind_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "for_date", "action_item"],
                condition=Q(action_item__isnull=False),
                name="one_assignment_notice_per_item_day",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "for_date"]),
            models.Index(fields=["status", "created_at"], name="reminder_owed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} for {self.for_date}"
