"""Comment threads through the API: the review page's threads, with the same rules.

Anyone who may see the incident reads and comments; resolving and reopening follow
postmortems.permissions.can_resolve_thread; the writes are the page's services
(postmortems.collaboration.comments), so the same events, mentions and notices follow.
"""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.permissions import TokenScope
from api.views import ApiViewSet
from incidents.filters import DatabaseIdFilter, IncidentReferenceFilter, StrictBooleanFilter
from incidents.models import ActionItem, TimelineEvent, rows_visible_to
from postmortems.collaboration import comments
from postmortems.collaboration.anchors import section_keys
from postmortems.models import Comment, CommentThread, Postmortem
from postmortems.permissions import can_resolve_thread
from postmortems.render import build_document

BODY_ERRORS = {
    "required": "Write something before sending the comment.",
    "blank": "Write something before sending the comment.",
}


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at", "edited_at"]
        read_only_fields = fields


class CommentThreadSerializer(serializers.ModelSerializer):
    is_resolved = serializers.BooleanField(read_only=True)
    comments = CommentSerializer(many=True, read_only=True, help_text="Oldest first.")

    class Meta:
        model = CommentThread
        fields = [
            "id",
            "postmortem",
            "section",
            "timeline_event",
            "action_item",
            "created_by",
            "created_at",
            "is_resolved",
            "resolved_at",
            "resolved_by",
            "comments",
        ]
        read_only_fields = fields


class ThreadStartSerializer(serializers.Serializer):
    """A new thread on a section (or an entry or item in it) with its first comment."""

    postmortem = serializers.PrimaryKeyRelatedField(queryset=Postmortem.objects.none())
    section = serializers.SlugField(
        max_length=60, help_text="The section's key, as in the postmortem's `sections`."
    )
    body = serializers.CharField(max_length=10000, error_messages=BODY_ERRORS)
    timeline_event = serializers.PrimaryKeyRelatedField(
        queryset=TimelineEvent.objects.none(), required=False, allow_null=True
    )
    action_item = serializers.PrimaryKeyRelatedField(
        queryset=ActionItem.objects.none(), required=False, allow_null=True
    )

    def get_fields(self):
        # Only what the requester may see: another id is "does not exist", as it would be.
        fields = super().get_fields()
        user = self.context["request"].user
        fields["postmortem"].queryset = rows_visible_to(
            Postmortem.objects.select_related("incident"), user, incident="incident__"
        )
        for name, model in (("timeline_event", TimelineEvent), ("action_item", ActionItem)):
            fields[name].queryset = rows_visible_to(
                model.objects.all(), user, incident="incident__"
            )
        return fields

    def validate(self, attrs):
        keys = section_keys(build_document(attrs["postmortem"].incident))
        if attrs["section"] not in keys:
            raise serializers.ValidationError(
                {"section": [f"This postmortem has no section {attrs['section']}; its sections "
                             f"are {', '.join(keys)}."]}
            )  # fmt: skip
        return attrs


class CommentBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, error_messages=BODY_ERRORS)


class CommentThreadFilter(django_filters.FilterSet):
    postmortem = DatabaseIdFilter(field_name="postmortem_id", label="The postmortem's id.")
    incident = IncidentReferenceFilter(field_name="postmortem__incident_id")
    resolved = StrictBooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", exclude=True, label="Resolved or open."
    )

    class Meta:
        model = CommentThread
        fields: list[str] = []


class CommentThreadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Comment threads of postmortems, with their comments; start, reply, resolve, reopen."""

    serializer_class = CommentThreadSerializer
    filterset_class = CommentThreadFilter
    # Commenting is open to whoever may see the incident; resolving asks its own question.
    permission_classes = [IsAuthenticated, TokenScope]

    def get_queryset(self):
        threads = CommentThread.objects.select_related("postmortem__incident").prefetch_related(
            Prefetch("comments", queryset=Comment.objects.order_by("created_at", "id"))
        )
        return rows_visible_to(threads, self.request.user, incident="postmortem__incident__")

    def respond(self, thread: CommentThread, code=status.HTTP_200_OK) -> Response:
        thread = self.get_queryset().get(pk=thread.pk)
        return Response(self.get_serializer(thread).data, status=code)

    @extend_schema(request=ThreadStartSerializer, responses={201: CommentThreadSerializer})
    def create(self, request, *args, **kwargs):
        """Start a thread on a section of a postmortem with its first comment."""
        start = ThreadStartSerializer(data=request.data, context=self.get_serializer_context())
        start.is_valid(raise_exception=True)
        comment = comments.thread_start(actor=request.user, **start.validated_data)
        return self.respond(comment.thread, status.HTTP_201_CREATED)

    @extend_schema(request=CommentBodySerializer, responses={201: CommentThreadSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Reply in the thread; replying to a resolved thread opens it again."""
        thread = self.get_object()
        reply = CommentBodySerializer(data=request.data)
        reply.is_valid(raise_exception=True)
        comments.comment_reply(thread=thread, actor=request.user, body=reply.validated_data["body"])
        return self.respond(thread, status.HTTP_201_CREATED)

    def _resolver_thread(self) -> CommentThread:
        thread = self.get_object()
        if not can_resolve_thread(self.request.user, thread):
            raise PermissionDenied(
                "Only the thread's people and those who edit or review the postmortem "
                "resolve or reopen it."
            )
        return thread

    @extend_schema(request=None, responses=CommentThreadSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark the thread resolved."""
        thread = self._resolver_thread()
        comments.thread_resolve(thread=thread, actor=request.user)
        return self.respond(thread)

    @extend_schema(request=None, responses=CommentThreadSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a resolved thread again."""
        thread = self._resolver_thread()
        comments.thread_reopen(thread=thread, actor=request.user)
        return self.respond(thread)
