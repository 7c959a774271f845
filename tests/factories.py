"""factory-boy factories for every model; deterministic: sequences, no random class bodies."""

from datetime import UTC, date, datetime, timedelta

import factory
import factory.random
from factory.django import DjangoModelFactory

from core.models import ChangeRecord
from incidents.models import (
    ActionItem,
    Cause,
    Incident,
    ReminderDelivery,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
)
from postmortems.layouts.builtin_templates import BY_LAYOUT
from postmortems.layouts.sections import default_template, ensure_builtin_templates, sync_sections
from postmortems.models import Postmortem, Review

factory.Faker._DEFAULT_LOCALE = "en_US"
factory.random.reseed_random(20261125)

BASE_TIME = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    time_zone = "UTC"
    password = factory.django.Password("correct-horse-battery")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.SubFactory(UserFactory)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"service-{n}")
    team = factory.SubFactory(TeamFactory)


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Incident number {n}")
    severity = Incident.Severity.SEV2
    status = Incident.Status.RESOLVED
    started_at = BASE_TIME
    detected_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(minutes=5))
    mitigated_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=1))
    resolved_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=2))
    time_zone = "UTC"
    summary = "Something broke."
    impact = "Some users saw errors."
    users_affected = "Some users"
    commander = factory.SubFactory(UserFactory)
    team = None
    is_private = False

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.add(*extracted)

    @factory.post_generation
    def allowed_users(self, create, extracted, **kwargs):
        if create and extracted:
            self.allowed_users.add(*extracted)

    @factory.post_generation
    def allowed_teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.allowed_teams.add(*extracted)


class TimelineEventFactory(DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    occurred_at = factory.LazyAttribute(lambda o: o.incident.started_at + timedelta(minutes=10))
    kind = TimelineEvent.Kind.INVESTIGATION
    description = factory.Sequence(lambda n: f"Looked at dashboard {n}.")
    position = factory.Sequence(lambda n: n)


class CauseFactory(DjangoModelFactory):
    class Meta:
        model = Cause

    incident = factory.SubFactory(IncidentFactory)
    category = Cause.Category.CONFIGURATION
    role = Cause.Role.ROOT
    description = "A bad configuration value."
    resolution = "The value was corrected."


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Action item {n}")
    description = "Do the thing."
    kind = ActionItem.Kind.PREVENT
    priority = ActionItem.Priority.P3
    owner = factory.SubFactory(UserFactory)
    due_date = date(2026, 4, 1)
    status = ActionItem.Status.OPEN


class PostmortemFactory(DjangoModelFactory):
    class Meta:
        model = Postmortem
        skip_postgeneration_save = True

    incident = factory.SubFactory(IncidentFactory)
    status = Postmortem.Status.DRAFT

    class Params:
        # The built-in template a postmortem of before templates had as its layout.
        layout = None

    @factory.lazy_attribute
    def template(self):
        if self.layout:
            return ensure_builtin_templates()[BY_LAYOUT[self.layout]]
        return default_template(self.incident.team)

    @factory.post_generation
    def sections(self, create, extracted, **kwargs):
        """Make the template's section rows, with texts by key: sections={"trigger": "…"}."""
        if create:
            sync_sections(self, self.template, extracted or {})

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.add(*extracted)

    @factory.post_generation
    def reviewers(self, create, extracted, **kwargs):
        if create and extracted:
            self.reviewers.add(*extracted)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    postmortem = factory.SubFactory(PostmortemFactory)
    reviewer = factory.SubFactory(UserFactory)
    decision = Review.Decision.COMMENT
    body = "Looks fine."


class ChangeRecordFactory(DjangoModelFactory):
    class Meta:
        model = ChangeRecord

    incident = factory.SubFactory(IncidentFactory)
    actor = factory.SubFactory(UserFactory)
    action = ChangeRecord.Action.UPDATED
    object_type = "incident"
    object_repr = factory.LazyAttribute(lambda o: o.incident.title)


class ReminderDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = ReminderDelivery

    recipient = factory.SubFactory(UserFactory)
    kind = ReminderDelivery.Kind.DIGEST
    for_date = date(2026, 3, 20)


def write_section(postmortem: Postmortem, key: str, body: str) -> None:
    """Set the text of one of the postmortem's sections, as a test's starting point."""
    updated = postmortem.sections.filter(key=key).update(body=body)
    assert updated == 1, f"{postmortem} has no section {key!r}"
