"""The incident, and the one rule of who may see it and everything on it."""

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from markdownx.models import MarkdownxField

from core.visibility import private_incidents_seen
from incidents.models.people import Service, Tag, Team, User
from incidents.models.times import started_between, validate_time_zone, zone_label


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
    """Return the ids of the private incidents the user may see (core.visibility keeps them).

    visibility_condition's rule for one known reader, asked as one small query per way of
    access, joined by UNION: PostgreSQL took 2.4 ms to plan the condition's subqueries and
    1.6 ms to run them over every private incident, on every page; the branches take 1 ms
    together, each on its own index. A test holds both to the same answer for every way.
    """
    private = Incident.objects.filter(is_private=True).order_by()
    ways = (
        Q(commander_id=user_id) | Q(created_by_id=user_id),
        Q(allowed_users=user_id),
        Q(allowed_teams__members=user_id),
        Q(allowed_teams__manager_id=user_id),
        # Through the reverse relation: this app needs no import of postmortems.
        Q(postmortem__authors=user_id),
        Q(postmortem__reviewers=user_id),
        Q(Exists(User.objects.filter(pk=user_id, is_superuser=True))),
    )
    first, *rest = (private.filter(way).values_list("pk", flat=True) for way in ways)
    return first.union(*rest)


# A user id no user has, marking where the reader's id goes in the compiled rule.
_SAMPLE_USER_ID = -987_654_321


@cache
def _private_ids_statement() -> tuple[str, tuple]:
    # Unordered: the ids go into a set (the incidents' own ordering would sort them first).
    sql, params = private_incident_ids(_SAMPLE_USER_ID).order_by().query.sql_with_params()
    if not any(_is_sample(value) for value in params):
        raise ImproperlyConfigured(
            "The visibility rule no longer takes the user's id as a parameter."
        )
    return sql, params


def _is_sample(value) -> bool:
    return type(value) is int and value == _SAMPLE_USER_ID  # not True, which equals 1


def private_incident_ids_for(user_id: int) -> list[int]:
    """Return the ids of the private incidents the user may see (private_incident_ids), with
    the rule compiled to SQL once per process.

    Asked once per request (core.visibility); building and compiling the rule's seven
    subqueries for each cost more than running them, on every page. Only the reader's id
    changes between requests.
    """
    sql, params = _private_ids_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id if _is_sample(value) else value for value in params])
        return [row[0] for row in cursor.fetchall()]


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

    def hidden_from(self, user) -> "IncidentQuerySet":
        """Return the private incidents the user may not see."""
        private = self.filter(is_private=True)
        if user.is_authenticated and user.is_superuser:
            return private.none()
        seen = private_incidents_seen(user) if user.is_authenticated else None
        if seen is not None:  # inside a request: the ids asked once for it
            return private.exclude(pk__in=sorted(seen))
        return private.exclude(pk__in=Incident.objects.visible_to(user).values("pk"))

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
