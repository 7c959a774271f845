"""What the API reads and writes: the models' fields, times as ISO 8601 with offsets."""

from datetime import timedelta

from django.db import models as db_models
from rest_framework import serializers

from core.text import normalise_newlines
from incidents.models import (
    ActionItem,
    Cause,
    Incident,
    Service,
    Tag,
    Team,
    TimelineEvent,
    TrackerIssue,
    User,
)
from incidents.services import StrandedOwners
from postmortems.models import Postmortem, PostmortemSection, Review


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its offset: a bare 09:00 is nobody's 09:00."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-03-18T09:00:00+02:00.",
    }

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        text = str(value).strip()
        if isinstance(value, str) and not (
            text.endswith("Z") or "+" in text[10:] or "-" in text[10:]
        ):
            self.fail("naive")
        return parsed


class TextField(serializers.CharField):
    """Text stored with LF line endings only, as the browser forms store it (core.text)."""

    def to_internal_value(self, data):
        return normalise_newlines(super().to_internal_value(data))


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        db_models.DateTimeField: AwareDateTimeField,
        db_models.TextField: TextField,
    }


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


class UserSerializer(ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class TeamSerializer(ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "manager", "members"]


class ServiceSerializer(ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "team"]


class TagSerializer(ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class IncidentSerializer(ModelSerializer):
    reference = serializers.CharField(read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    time_to_detect_seconds = serializers.SerializerMethodField()
    time_to_mitigate_seconds = serializers.SerializerMethodField()
    services = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Service.objects.all(), required=False
    )
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    allowed_users = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    allowed_teams = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Team.objects.all(), required=False
    )
    stranded_owners = serializers.ChoiceField(
        choices=StrandedOwners.choices,
        required=False,
        write_only=True,
        help_text="On an update that would leave owners of the incident's action items "
        "unable to see it (made private, fewer people or teams allowed): `allow` adds them "
        "to `allowed_users`, `unassign` leaves their items without an owner. Without it such "
        "an update is refused with 400, naming them in `stranded_items`, and nothing is saved.",
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "severity",
            "status",
            "started_at",
            "detected_at",
            "mitigated_at",
            "resolved_at",
            "time_zone",
            "duration_seconds",
            "time_to_detect_seconds",
            "time_to_mitigate_seconds",
            "summary",
            "impact",
            "users_affected",
            "commander",
            "team",
            "services",
            "tags",
            "is_private",
            "allowed_users",
            "allowed_teams",
            "stranded_owners",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at", "summary", "impact"]

    def get_duration_seconds(self, incident: Incident) -> int | None:
        return _seconds(incident.duration)

    def get_time_to_detect_seconds(self, incident: Incident) -> int | None:
        return _seconds(incident.time_to_detect)

    def get_time_to_mitigate_seconds(self, incident: Incident) -> int | None:
        return _seconds(incident.time_to_mitigate)


class RowSerializer(ModelSerializer):
    """A row of an incident: it may only be added to an incident the requester may see."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if "incident" in fields and request is not None and not fields["incident"].read_only:
            fields["incident"].queryset = Incident.objects.visible_to(request.user)
        return fields


class TimelineEventSerializer(RowSerializer):
    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "incident",
            "occurred_at",
            "kind",
            "description",
            "is_dead_end",
            "author",
            "version",
            "created_at",
        ]
        read_only_fields = ["author", "version", "created_at"]


class CauseSerializer(RowSerializer):
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Cause
        fields = [
            "id",
            "incident",
            "role",
            "category",
            "description",
            "resolution",
            "tags",
            "version",
        ]
        read_only_fields = ["version"]


class TrackerIssueSerializer(ModelSerializer):
    class Meta:
        model = TrackerIssue
        fields = ["kind", "key", "url", "state", "assignee", "synced_at"]
        read_only_fields = fields


class ActionItemSerializer(RowSerializer):
    tracker_issue = TrackerIssueSerializer(
        source="tracker_issue_or_none",
        read_only=True,
        allow_null=True,
        help_text="The issue in the team's tracker (GitHub, Jira) where the work is done.",
    )
    causes = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Cause.objects.all(),
        required=False,
        help_text="The causes of its incident this item addresses.",
    )

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "incident",
            "title",
            "description",
            "kind",
            "priority",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "tracker_url",
            "tracker_issue",
            "causes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "version", "created_at", "updated_at"]


class ReviewSerializer(ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "postmortem", "reviewer", "decision", "body", "postmortem_version"]
        read_only_fields = fields


class PostmortemSectionSerializer(serializers.ModelSerializer):
    """One section of the postmortem: its text is written by key; the rest follows its template."""

    key = serializers.SlugField(max_length=50)
    body = TextField(allow_blank=True)

    class Meta:
        model = PostmortemSection
        fields = ["key", "title", "kind", "help_text", "required", "in_template", "body"]
        read_only_fields = ["title", "kind", "help_text", "required", "in_template"]

    def validate(self, attrs):
        # A PATCH is partial for the postmortem, not for each section it writes; DRF skips a
        # nested field's `required` in a partial update, so a section without its key or body
        # is refused here, by name.
        missing = {
            name: ["This field is required."] for name in ("key", "body") if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class PostmortemSerializer(ModelSerializer):
    sections = PostmortemSectionSerializer(
        many=True,
        required=False,
        help_text="The narrative in the template's order; PATCH a list of {key, body} to write "
        "sections by key (others are left as they are).",
    )
    template = serializers.SlugRelatedField(slug_field="name", read_only=True)
    summary = TextField(source="incident.summary", required=False, allow_blank=True)
    impact = TextField(source="incident.impact", required=False, allow_blank=True)
    authors = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    reviewers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )

    class Meta:
        model = Postmortem
        fields = [
            "id",
            "incident",
            "status",
            "template",
            "summary",
            "impact",
            "sections",
            "authors",
            "reviewers",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "incident",
            "status",
            "template",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        ]


class ReviewDecisionSerializer(serializers.Serializer):
    body = TextField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class SubmitSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Why a root cause has no prevent, mitigate or detect item, if one has none.",
    )
