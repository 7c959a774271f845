"""Who works on incidents and what they are filed under: users, teams, services, tags."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from incidents.models.times import validate_time_zone


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


class TagQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TagQuerySet":
        """Return the tags the user may see; for anyone else a tag does not exist.

        A tag is seen where an incident the user may see uses it (itself or on one of its
        causes), and while nothing uses it yet (a tag a manager just made). A tag used only
        by private incidents hidden from the user would tell its name, so it is left out.
        Superusers see every tag. Call this wherever tags are listed or offered.
        """
        if user.is_authenticated and user.is_superuser:
            return self
        # The rule lives with the incident, whose module builds on this one.
        from incidents.models.incident import rows_visible_to

        on_incidents = Tag.incidents.through.objects.filter(tag_id=OuterRef("pk"))
        on_causes = Tag.causes.through.objects.filter(tag_id=OuterRef("pk"))
        return self.filter(
            Exists(rows_visible_to(on_incidents, user, incident="incident__"))
            | Exists(rows_visible_to(on_causes, user, incident="cause__incident__"))
            | (~Exists(on_incidents) & ~Exists(on_causes))
        )


class Tag(models.Model):
    """A label shared by incidents and causes; managers rename and merge them (tags page)."""

    name = models.CharField(max_length=50, unique=True)

    objects = TagQuerySet.as_manager()

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
