"""What caused an incident: root causes and contributing factors."""

from django.db import models
from markdownx.models import MarkdownxField

from incidents.models.action_items import ActionItem
from incidents.models.incident import Incident
from incidents.models.people import Tag


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
        indexes = [
            # Similar incidents ask which incidents have a cause of some categories: an
            # index-only scan instead of reading every cause.
            models.Index(fields=["category", "incident"], name="cause_category_incident_idx"),
        ]

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
